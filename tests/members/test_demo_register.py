import datetime

import pytest
from django.core.management import call_command

from openkommune.members.models import CooperativeMember, MembershipPeriod
from openkommune.members.selectors import members_as_of
from openkommune.members.services.demo_register import (
    DEMO_NOTE,
    demo_register_load,
    join_date_from_statement,
)
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled

pytestmark = pytest.mark.django_db
D = datetime.date


def _joined(name_contains):
    member = CooperativeMember.objects.get(organisation__name__icontains=name_contains)
    return member, member.periods.get().joined_on


def test_founding_members_and_anhalt_bitterfeld():
    demo_register_load()
    founding = set(
        CooperativeMember.objects.filter(is_founding_member=True).values_list(
            "organisation__name", flat=True
        )
    )
    assert founding == {
        "Landeshauptstadt Magdeburg",
        "Gemeinde Barleben",
        "KID Magdeburg GmbH (Kommunale Informationsdienste Magdeburg)",
    }
    for name in founding:
        assert _joined(name)[1] == D(2009, 12, 22)
    kid, _ = _joined("KID Magdeburg")
    assert kid.organisation.kind == "kommunales_unternehmen"
    abi, joined = _joined("Anhalt-Bitterfeld")
    assert joined == D(2022, 10, 1)
    assert abi.organisation.region_ars == "150820000000"
    assert abi.is_demo
    assert abi.source.startswith("https://ratsinfo.anhalt-bitterfeld.de/")
    assert DEMO_NOTE in abi.notes
    assert len(members_as_of(D(2009, 12, 31))) == 3


def test_dates_are_never_invented():
    result = demo_register_load()
    not_entered = {name for name, _ in result.not_entered}
    assert "Landkreis Saalekreis" in not_entered
    assert "Hansestadt Stendal" in not_entered
    assert "Stadt Zerbst/Anhalt" in not_entered  # "ca. 2013, Jahr nicht angegeben"
    assert not CooperativeMember.objects.filter(organisation__name__icontains="Saalekreis")
    zeitz, joined = _joined("Zeitz")
    assert joined == D(2010, 12, 31)
    assert "spätestens am 31.12.2010" in zeitz.notes
    eisleben, joined = _joined("Eisleben")
    assert joined == D(2021, 12, 31)
    assert "4. Quartal 2021" in eisleben.notes


def test_statement_parsing():
    assert join_date_from_statement("X", "Beitritt mit Wirkung zum 01.10.2022")[0] == D(2022, 10, 1)
    assert join_date_from_statement("X", "90. Mitglied (3. Quartal 2021)")[0] == D(2021, 9, 30)
    assert join_date_from_statement("X", "frühes Mitglied (undatiert)") == (None, "")


def test_idempotent():
    call_command("load_demo_register", verbosity=0)
    with scopes_disabled():
        audits = AuditRecord.objects.count()
    periods = MembershipPeriod.objects.count()
    call_command("load_demo_register", verbosity=0)
    with scopes_disabled():
        assert AuditRecord.objects.count() == audits
    assert MembershipPeriod.objects.count() == periods == 6


def test_uses_demo_organisations_when_the_demo_is_loaded():
    from openkommune.demo.services import demo_load

    demo_load()
    demo_register_load()
    magdeburg = CooperativeMember.objects.get(organisation__region_ars="150030000000")
    assert magdeburg.organisation.email.startswith("demo-")
