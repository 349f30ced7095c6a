import datetime

import pytest
from django.urls import reverse

from openkommune.members.models import CooperativeMember
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.members.factories import MemberContactFactory, member_with_period

pytestmark = pytest.mark.django_db
REGISTER = reverse("members:register")

GOOD_CSV = (
    b"name;art;ags_oder_ars;beitritt;austritt;austrittsgrund;gruendungsmitglied;"
    b"anteile_anzahl;anteile_betrag;bemerkungen\n"
    b"Gemeinde Barleben;;15083040;22.12.2009;;;ja;1;500;\n"
)


def _own_organisation(user):
    with scopes_disabled():
        return user.memberships.get().tenant


def _detail(member):
    return reverse("members:detail", args=[member.public_id])


def test_anonymous_sees_public_register_without_shares_or_private_contacts(client):
    member = member_with_period(shares_count=7, shares_amount=3500)
    MemberContactFactory(member=member, name="Geheime Person")
    MemberContactFactory(member=member, name="Öffentliche Person", is_public=True)
    page = client.get(REGISTER).content.decode()
    assert member.organisation.name in page
    assert "3500" not in page
    assert "Geheime Person" not in page
    assert "Öffentliche Person" in page
    assert "Datei importieren" not in page
    detail = client.get(_detail(member)).content.decode()
    assert "Geheime Person" not in detail
    assert 'id="anteile"' not in detail


def test_member_sees_own_details_but_not_anothers(client):
    user = UserFactory(member_admin=True)
    own = member_with_period(organisation=_own_organisation(user), shares_count=11)
    MemberContactFactory(member=own, name="Eigene Person")
    other = member_with_period(shares_count=12)
    MemberContactFactory(member=other, name="Fremde Person")
    client.force_login(user)
    own_page = client.get(_detail(own)).content.decode()
    assert 'id="anteile">11' in own_page
    assert "Eigene Person" in own_page
    other_page = client.get(_detail(other)).content.decode()
    assert 'id="anteile"' not in other_page
    assert "Fremde Person" not in other_page


def test_staff_sees_everything_and_can_filter(client):
    member_with_period(organisation__name="Alte Gemeinde", joined_on=datetime.date(2010, 1, 1))
    member = member_with_period(organisation__name="Kreis Neu", organisation__kind="landkreis")
    MemberContactFactory(member=member, name="Interne Person")
    client.force_login(UserFactory(cooperative_staff=True))
    page = client.get(REGISTER).content.decode()
    assert "Interne Person" in page
    assert "Datei importieren" in page
    filtered = client.get(REGISTER, {"art": "landkreis"}).content.decode()
    assert "Kreis Neu" in filtered
    assert "Alte Gemeinde" not in filtered
    as_of = client.get(REGISTER, {"stand": "01.01.2012"}).content.decode()
    assert "Alte Gemeinde" in as_of
    assert "Kreis Neu" not in as_of


def test_bad_filter_date_shows_a_german_error(client):
    response = client.get(REGISTER, {"stand": "morgen"})
    assert response.status_code == 200
    assert "Bitte ein Datum im Format TT.MM.JJJJ angeben." in response.content.decode()


def test_pagination_25_per_page(client):
    for _ in range(26):
        member_with_period()
    first = client.get(REGISTER).content.decode()
    assert "Seite 1 von 2" in first
    assert client.get(REGISTER, {"seite": 2}).context["page"].object_list.__len__() == 1


def test_unknown_member_is_404(client):
    assert client.get(reverse("members:detail", args=[
        "00000000-0000-0000-0000-000000000000"])).status_code == 404  # fmt: skip


def test_import_and_export_for_staff_only(client):
    upload = {"datei": _upload(GOOD_CSV)}
    client.force_login(UserFactory(member_admin=True))
    assert client.post(reverse("members:import"), upload).status_code == 403
    assert client.get(reverse("members:export_csv")).status_code == 403
    client.logout()
    assert client.post(reverse("members:import"), {"datei": _upload(GOOD_CSV)}).status_code == 403

    client.force_login(UserFactory(cooperative_staff=True))
    response = client.post(reverse("members:import"), {"datei": _upload(GOOD_CSV)})
    assert response.status_code == 200
    assert "Import abgeschlossen" in response.content.decode()
    assert CooperativeMember.objects.filter(organisation__name="Gemeinde Barleben").exists()
    export = client.get(reverse("members:export_csv"))
    assert export.status_code == 200
    assert "Gemeinde Barleben" in export.content.decode("utf-8")
    xlsx = client.get(reverse("members:export_xlsx"))
    assert xlsx.content[:2] == b"PK"


def test_import_errors_are_shown_and_nothing_is_saved(client):
    bad = GOOD_CSV + b"X;;15099999;01.01.2015;;;;;;\n"
    client.force_login(UserFactory(cooperative_staff=True))
    response = client.post(reverse("members:import"), {"datei": _upload(bad)})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Nichts importiert" in page
    assert "Zeile 3: AGS 15099999 ist im Gemeindeverzeichnis unbekannt." in page
    assert not CooperativeMember.objects.exists()


def test_demo_entries_are_marked(client):
    from openkommune.members.services.demo_register import demo_register_load

    demo_register_load()
    page = client.get(REGISTER).content.decode()
    assert "Teilweise öffentliche Angaben" in page
    abi = CooperativeMember.objects.get(organisation__region_ars="150820000000")
    detail = client.get(_detail(abi)).content.decode()
    assert "01.10.2022" in detail
    assert "Teilweise öffentliche Angaben" in detail


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("register.csv", data, content_type="text/csv")


def test_detail_page_lists_the_bodies_that_call_off_for_the_member(client):
    from tests.tenancy.factories import OrganisationFactory

    member = member_with_period()
    assert "benannte-stellen" not in client.get(_detail(member)).content.decode()
    member.bodies.add(OrganisationFactory(name="Grundschule Am Markt"))
    page = client.get(_detail(member)).content.decode()
    assert "Benannte abrufberechtigte Stellen" in page
    assert "Grundschule Am Markt" in page


def test_a_member_administrator_names_its_bodies_on_its_own_page(client):
    from openkommune.tenancy.models import AuditRecord
    from tests.tenancy.factories import OrganisationFactory

    admin = UserFactory(member_admin=True)
    own = member_with_period(organisation=_own_organisation(admin))
    other = member_with_period()
    school = OrganisationFactory(name="Grundschule Am Markt (Test)")
    taken = OrganisationFactory(name="Eigenbetrieb Wasser (Test)")
    other.bodies.add(taken)
    client.force_login(admin)
    assert 'id="stellen-bearbeiten"' in client.get(_detail(own)).content.decode()
    url = reverse("members:bodies", args=[own.public_id])
    form = client.get(url).content.decode()
    assert "Grundschule Am Markt (Test)" in form
    assert "Eigenbetrieb Wasser (Test)" not in form  # named by another member
    assert other.organisation.name not in form  # a member calls off in its own right
    response = client.post(url, {"stellen": [str(school.pk)]})
    assert response.status_code == 302
    assert list(own.bodies.all()) == [school]
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="member.bodies", actor=admin).exists()
    # A body named by another member is refused with a German error, nothing changed.
    refused = client.post(url, {"stellen": [str(taken.pk)]})
    assert refused.status_code == 422
    assert list(own.bodies.all()) == [school]
    # Not for another member's page, nor for a clerk of the own member.
    assert client.get(reverse("members:bodies", args=[other.public_id])).status_code in (403, 404)
    clerk = UserFactory(clerk=True)
    with scopes_disabled():
        membership = clerk.memberships.get()
        membership.tenant = own.organisation
        membership.save()
    client.force_login(clerk)
    assert client.get(url).status_code == 403


def test_staff_record_a_join_and_a_leave_on_pages_audited(client):
    from openkommune.members.selectors import is_caller_on
    from openkommune.tenancy.models import AuditRecord
    from tests.tenancy.factories import OrganisationFactory

    staff = UserFactory(cooperative_staff=True)
    town = OrganisationFactory(name="Stadt Beitrittsdorf (Test)")
    client.force_login(staff)
    assert 'id="beitritt-eintragen"' in client.get(REGISTER).content.decode()
    join = reverse("members:join")
    assert "Stadt Beitrittsdorf (Test)" in client.get(join).content.decode()
    future = client.post(
        join, {"organisation": town.pk, "joined_on": "2099-01-01", "shares_count": 1,
               "shares_amount": "500"},
    )  # fmt: skip
    assert future.status_code == 422  # a German error, nothing stored
    assert not CooperativeMember.objects.filter(organisation=town).exists()
    response = client.post(
        join, {"organisation": town.pk, "joined_on": "2024-01-01", "shares_count": 1,
               "shares_amount": "500"},
    )  # fmt: skip
    member = CooperativeMember.objects.get(organisation=town)
    assert response["Location"] == _detail(member)
    assert is_caller_on(town, datetime.date(2025, 6, 1))
    detail = client.get(_detail(member)).content.decode()
    leave = reverse("members:leave", args=[member.public_id])
    assert leave in detail
    assert "Ja, Austritt eintragen" in client.get(leave).content.decode()
    too_early = client.post(leave, {"left_on": "2023-12-31", "reason": "Test"})
    assert too_early.status_code == 422
    client.post(leave, {"left_on": "2025-07-01", "reason": "Fusion (Test)"})
    assert not is_caller_on(town, datetime.date(2025, 7, 1))
    with scopes_disabled():
        actions = set(AuditRecord.objects.filter(actor=staff).values_list("action", flat=True))
    assert {"member.create", "member.join", "member.leave"} <= actions


def test_members_cannot_record_joins_or_leaves(client):
    user = UserFactory(member_admin=True)
    own = member_with_period(organisation=_own_organisation(user))
    client.force_login(user)
    assert client.get(reverse("members:join")).status_code == 403
    assert client.get(reverse("members:leave", args=[own.public_id])).status_code == 403
    assert 'id="austritt-eintragen"' not in client.get(_detail(own)).content.decode()
