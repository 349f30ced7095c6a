"""Register rows for tests, written directly (services have their own tests)."""

import datetime

import factory

from openkommune.members.models import CooperativeMember, MemberContact, MembershipPeriod
from tests.tenancy.factories import OrganisationFactory


class CooperativeMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CooperativeMember

    organisation = factory.SubFactory(OrganisationFactory)
    shares_count = 3
    shares_amount = 1500


class MembershipPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MembershipPeriod

    member = factory.SubFactory(CooperativeMemberFactory)
    joined_on = datetime.date(2015, 1, 1)


class MemberContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberContact

    member = factory.SubFactory(CooperativeMemberFactory)
    name = factory.Sequence(lambda n: f"Ansprechperson {n}")
    function = "IT-Leitung"
    email = factory.Sequence(lambda n: f"kontakt{n}@test.example.org")


def register(organisation, joined_on=datetime.date(2015, 1, 1)):
    """Enter the organisation in the member register (a running period): procurement lets
    only current members call off (issue 19). Returns the organisation."""
    member_with_period(organisation=organisation, joined_on=joined_on)
    return organisation


def member_with_period(**kwargs) -> CooperativeMember:
    joined_on = kwargs.pop("joined_on", datetime.date(2015, 1, 1))
    member = CooperativeMemberFactory(**kwargs)
    MembershipPeriodFactory(member=member, joined_on=joined_on)
    return member
