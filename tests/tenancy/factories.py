"""Organisations and memberships for tests. Rows are written directly (not through the
services) so a test controls exactly what exists; services have their own tests."""

import factory

from openkommune.tenancy.constants import OrganisationKind, Role
from openkommune.tenancy.models import Membership, Organisation
from openkommune.tenancy.scoping import scopes_disabled


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Testgemeinde {n}")
    short_name = factory.LazyAttribute(lambda o: o.name)
    kind = OrganisationKind.GEMEINDE
    city = factory.LazyAttribute(lambda o: o.short_name)
    is_demo = True

    class Params:
        cooperative = factory.Trait(
            name="Test-Genossenschaft eG",
            kind=OrganisationKind.GENOSSENSCHAFT,
            is_cooperative=True,
        )


def cooperative() -> Organisation:
    """The one cooperative (created on first use; the constraint allows only one)."""
    existing = Organisation.objects.filter(is_cooperative=True).first()
    return existing or OrganisationFactory(cooperative=True)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory("tests.accounts.factories.UserFactory")
    role = Role.CLERK

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Tests set up rows of several tenants at once; the scope guards queries, not setup.
        with scopes_disabled():
            return super()._create(model_class, *args, **kwargs)
