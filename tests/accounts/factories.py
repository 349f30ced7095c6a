"""Users for tests. Traits give the user a role in a fresh organisation:
`UserFactory(clerk=True)`, `member_admin=True`, `cooperative_staff=True` (in the cooperative).
The test password is `PASSWORD`; hashing it with Argon2 costs time, so it is hashed once."""

import factory
from django.contrib.auth.hashers import make_password

from openkommune.accounts.models import User
from openkommune.tenancy.constants import Role

PASSWORD = "richtig-geheim-42"
_HASHED: dict[str, str] = {}


def _hashed_password() -> str:
    if PASSWORD not in _HASHED:
        _HASHED[PASSWORD] = make_password(PASSWORD)
    return _HASHED[PASSWORD]


def _cooperative():
    # Imported late: the tenancy factories import this module for their user SubFactory.
    from tests.tenancy.factories import cooperative

    return cooperative()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@test.example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.LazyFunction(_hashed_password)

    class Params:
        clerk = factory.Trait(
            clerk_membership=factory.RelatedFactory(
                "tests.tenancy.factories.MembershipFactory",
                factory_related_name="user",
                role=Role.CLERK,
            )
        )
        member_admin = factory.Trait(
            member_admin_membership=factory.RelatedFactory(
                "tests.tenancy.factories.MembershipFactory",
                factory_related_name="user",
                role=Role.MEMBER_ADMIN,
            )
        )
        cooperative_staff = factory.Trait(
            cooperative_membership=factory.RelatedFactory(
                "tests.tenancy.factories.MembershipFactory",
                factory_related_name="user",
                role=Role.COOPERATIVE_STAFF,
                tenant=factory.LazyFunction(lambda: _cooperative()),
            )
        )
