"""EfA activation: member administrators switch Leistungen on and off (audited); clerks and
other members cannot; activations are tenant data; cooperative staff see the overview."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from openkommune.catalog.constants import ApplicationWayKind
from openkommune.catalog.models import ServiceActivation
from openkommune.catalog.selectors import application_way, service_activation_get
from openkommune.catalog.services import service_activation_set
from openkommune.tenancy.constants import OrganisationKind
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import ScopeError, scope, scopes_disabled
from tests.accounts.factories import UserFactory
from tests.catalog.responsibility_helpers import (
    ANHALT_BITTERFELD_ARS,
    HUNDEHALTUNG,
    KFZ,
    MAGDEBURG_ARS,
    clerk,
    leistung,
    member,
    member_admin,
)

pytestmark = pytest.mark.django_db

# KFZ (Kfz-Zulassung) has no form of the platform: online only with the member's own link.
KFZ_LINK = "https://kfz.magdeburg.example.org/antrag"


@pytest.fixture
def magdeburg():
    return member(MAGDEBURG_ARS, kind=OrganisationKind.KREISFREIE_STADT, name="Magdeburg (Test)")


@pytest.fixture
def anhalt_bitterfeld():
    return member(ANHALT_BITTERFELD_ARS, kind=OrganisationKind.LANDKREIS, name="ABI (Test)")


def _audits(tenant):
    with scope(tenant=tenant):
        return list(AuditRecord.objects.filter(object_type="catalog.serviceactivation"))


def test_member_admin_activates_a_service_and_it_is_audited(magdeburg):
    admin = member_admin(magdeburg)
    activation = service_activation_set(
        tenant=magdeburg,
        actor=admin,
        ozg_leistung=leistung(HUNDEHALTUNG),
        is_active=True,
        fee=Decimal("12.50"),
        contact_email="hund@magdeburg.example.org",
    )
    assert activation.is_active
    assert activation.fee == Decimal("12.50")
    (record,) = _audits(magdeburg)
    assert record.actor == admin
    assert record.action == "service_activation.create"
    assert record.after["ozg_id"] == HUNDEHALTUNG
    assert record.after["contact_email"] == "hund@magdeburg.example.org"

    service_activation_set(
        tenant=magdeburg, actor=admin, ozg_leistung=leistung(HUNDEHALTUNG), is_active=False
    )
    records = _audits(magdeburg)
    assert len(records) == 2
    assert records[0].action == "service_activation.update"
    assert records[0].before == {"is_active": True}
    assert records[0].after == {"ozg_id": HUNDEHALTUNG, "is_active": False}


def test_unchanged_values_write_no_audit_record(magdeburg):
    admin = member_admin(magdeburg)
    for _ in range(2):
        service_activation_set(
            tenant=magdeburg, actor=admin, ozg_leistung=leistung(HUNDEHALTUNG), is_active=True
        )
    assert len(_audits(magdeburg)) == 1


def test_clerk_cannot_activate(magdeburg, client):
    user = clerk(magdeburg)
    with pytest.raises(PermissionDenied):
        service_activation_set(
            tenant=magdeburg, actor=user, ozg_leistung=leistung(HUNDEHALTUNG), is_active=True
        )
    client.force_login(user)
    url = reverse("catalog:admin_toggle", args=[HUNDEHALTUNG])
    assert client.post(url, {"is_active": "1"}).status_code == 403
    assert client.get(reverse("catalog:admin_list")).status_code == 403
    with scopes_disabled():
        assert not ServiceActivation.objects.exists()


def test_one_member_cannot_change_another_members_services(magdeburg, anhalt_bitterfeld, client):
    other_admin = member_admin(anhalt_bitterfeld)
    own_admin = member_admin(magdeburg)
    service_activation_set(
        tenant=magdeburg,
        actor=own_admin,
        ozg_leistung=leistung(KFZ),
        is_active=True,
        start_url=KFZ_LINK,
    )
    with pytest.raises(PermissionDenied):
        service_activation_set(
            tenant=magdeburg, actor=other_admin, ozg_leistung=leistung(KFZ), is_active=False
        )
    # Through the pages the other member only ever reaches its own rows: Magdeburg's
    # activation is "not found" in its scope, and its switch changes its own row only.
    with scope(tenant=anhalt_bitterfeld), pytest.raises(ServiceActivation.DoesNotExist):
        service_activation_get(tenant=magdeburg, ozg_id=KFZ)
    client.force_login(other_admin)
    url = reverse("catalog:admin_toggle", args=[KFZ])
    response = client.post(url, {"is_active": "0", "bestaetigt": "1"})
    assert response.status_code == 302
    with scopes_disabled():
        rows = {a.tenant_id: a.is_active for a in ServiceActivation.objects.all()}
    assert rows == {magdeburg.pk: True, anhalt_bitterfeld.pk: False}


def test_activations_are_isolated_by_the_scoped_manager(magdeburg, anhalt_bitterfeld):
    service_activation_set(
        tenant=magdeburg, actor=None, ozg_leistung=leistung(HUNDEHALTUNG), is_active=True
    )
    with pytest.raises(ScopeError):
        list(ServiceActivation.objects.all())
    with scope(tenant=anhalt_bitterfeld):
        assert not ServiceActivation.objects.exists()
        with pytest.raises(ScopeError):
            ServiceActivation.objects.create(
                tenant=magdeburg, ozg_leistung=leistung(KFZ), is_active=True
            )
    with scope(tenant=magdeburg):
        assert ServiceActivation.objects.count() == 1


def test_admin_pages_edit_and_confirm_switching_off(magdeburg, client):
    client.force_login(member_admin(magdeburg))
    response = client.get(reverse("catalog:admin_list"), {"q": "hund"})
    assert response.status_code == 200
    rows = {row.leistung.ozg_id: row for row in response.context["page"]}
    assert rows[HUNDEHALTUNG].own  # a Gemeinde task of the kreisfreie Stadt
    assert len(client.get(reverse("catalog:admin_list")).context["page"]) == 50
    edit = reverse("catalog:admin_edit", args=[HUNDEHALTUNG])
    assert client.get(edit).status_code == 200

    bad = client.post(edit, {"is_active": "on", "fee": "zwölf", "contact_email": "x"})
    assert bad.status_code == 422  # sent with errors (core.forms.render_form)
    assert "fehlerzusammenfassung" in bad.text
    assert 'value="zwölf"' in bad.text

    saved = client.post(
        edit,
        {"is_active": "on", "fee": "12,50", "processing_time": "etwa eine Woche"},
    )
    assert saved.status_code == 302
    with scope(tenant=magdeburg):
        activation = service_activation_get(tenant=magdeburg, ozg_id=HUNDEHALTUNG)
    assert activation.is_active
    assert activation.fee == Decimal("12.50")

    toggle = reverse("catalog:admin_toggle", args=[HUNDEHALTUNG])
    confirm = client.post(toggle, {"is_active": "0"})
    assert confirm.status_code == 200
    assert "wirklich ausschalten" in confirm.text
    activation.refresh_from_db()
    assert activation.is_active
    assert client.post(toggle, {"is_active": "0", "bestaetigt": "1"}).status_code == 302
    activation.refresh_from_db()
    assert not activation.is_active


def test_admin_pages_need_login_and_unknown_service_is_404(magdeburg, client):
    response = client.get(reverse("catalog:admin_list"))
    assert response.status_code == 302
    assert "/konto/" in response["Location"]
    client.force_login(member_admin(magdeburg))
    assert client.get("/leistungen/verwaltung/99999/").status_code == 404


def test_admin_toggle_ignores_foreign_redirect_targets(magdeburg, client):
    client.force_login(member_admin(magdeburg))
    url = reverse("catalog:admin_toggle", args=[HUNDEHALTUNG])
    response = client.post(url, {"is_active": "1", "zurueck": "https://evil.example.com/"})
    assert response["Location"] == reverse("catalog:admin_list")


def test_cooperative_overview_counts_offers_across_members(magdeburg, anhalt_bitterfeld, client):
    for tenant in (magdeburg, anhalt_bitterfeld):
        service_activation_set(
            tenant=tenant,
            actor=None,
            ozg_leistung=leistung(KFZ),
            is_active=True,
            start_url=KFZ_LINK,
        )
    service_activation_set(
        tenant=magdeburg, actor=None, ozg_leistung=leistung(HUNDEHALTUNG), is_active=True
    )
    client.force_login(member_admin(magdeburg))
    assert client.get(reverse("catalog:offers")).status_code == 403
    client.force_login(UserFactory(cooperative_staff=True))
    response = client.get(reverse("catalog:offers"))
    assert response.status_code == 200
    per_leistung = {row.ozg_id: row.member_count for row in response.context["leistungen"]}
    assert per_leistung == {KFZ: 2, HUNDEHALTUNG: 1}
    per_member = {row.pk: row.active_count for row in response.context["members"]}
    assert per_member[magdeburg.pk] == 2
    assert per_member[anhalt_bitterfeld.pk] == 1


# --- a way to apply (issue 14, part 5) ----------------------------------------------------


def test_switching_online_without_a_form_or_link_is_refused_and_nothing_changes(magdeburg):
    admin = member_admin(magdeburg)
    with pytest.raises(ValidationError) as refused:
        service_activation_set(
            tenant=magdeburg, actor=admin, ozg_leistung=leistung(KFZ), is_active=True
        )
    assert "kein veröffentlichtes Formular" in refused.value.message_dict["is_active"][0]
    with scopes_disabled():
        assert not ServiceActivation.objects.exists()
    assert _audits(magdeburg) == []
    # Switched off, the member may keep its contact data without a way to apply.
    service_activation_set(
        tenant=magdeburg,
        actor=admin,
        ozg_leistung=leistung(KFZ),
        is_active=False,
        contact_name="Zulassungsstelle",
    )
    (record,) = _audits(magdeburg)
    assert record.after["is_active"] is False


def test_the_external_link_must_be_https(magdeburg):
    admin = member_admin(magdeburg)
    with pytest.raises(ValidationError) as refused:
        service_activation_set(
            tenant=magdeburg,
            actor=admin,
            ozg_leistung=leistung(KFZ),
            is_active=True,
            start_url="http://kfz.magdeburg.example.org/",
        )
    assert "https://" in refused.value.message_dict["start_url"][0]
    assert _audits(magdeburg) == []
    activation = service_activation_set(
        tenant=magdeburg,
        actor=admin,
        ozg_leistung=leistung(KFZ),
        is_active=True,
        start_url=KFZ_LINK,
    )
    assert activation.is_active
    (record,) = _audits(magdeburg)
    assert record.after["start_url"] == KFZ_LINK


def test_a_published_platform_form_is_a_way_to_apply(magdeburg):
    way = application_way(ozg_leistung=leistung(HUNDEHALTUNG))
    assert way.kind == ApplicationWayKind.PLATFORM_FORM
    assert way.form_title == "Hundesteuer: Hund an- oder abmelden"
    assert application_way(ozg_leistung=leistung(KFZ)).kind is None
    linked = application_way(ozg_leistung=leistung(HUNDEHALTUNG), start_url=KFZ_LINK)
    assert linked.kind == ApplicationWayKind.EXTERNAL_LINK


def test_admin_edit_page_says_which_way_applies(magdeburg, client):
    client.force_login(member_admin(magdeburg))
    form_page = client.get(reverse("catalog:admin_edit", args=[HUNDEHALTUNG]))
    assert "Mit dem Formular der Plattform „Hundesteuer: Hund an- oder abmelden“" in (
        form_page.text
    )
    kfz = reverse("catalog:admin_edit", args=[KFZ])
    assert "kein veröffentlichtes Formular" in client.get(kfz).text

    refused = client.post(kfz, {"is_active": "on", "contact_name": "Zulassungsstelle"})
    assert refused.status_code == 422
    assert "fehlerzusammenfassung" in refused.text
    assert "kann noch nicht online angeboten werden" in refused.text
    with scopes_disabled():
        assert not ServiceActivation.objects.exists()
    bad_link = client.post(kfz, {"is_active": "on", "start_url": "http://kfz.example.org/"})
    assert bad_link.status_code == 422
    assert "mit „https://“ beginnt" in bad_link.text
    assert "kein veröffentlichtes Formular" in bad_link.text  # the stored way, not the input

    saved = client.post(kfz, {"is_active": "on", "start_url": KFZ_LINK})
    assert saved.status_code == 302
    linked = client.get(kfz)
    assert "Über Ihren eigenen Online-Antrag:" in linked.text
    assert f'href="{KFZ_LINK}"' in linked.text


def test_admin_toggle_refuses_switching_on_without_a_way(magdeburg, client):
    client.force_login(member_admin(magdeburg))
    listing = client.get(reverse("catalog:admin_list"), {"q": KFZ, "zustaendig": "0"})
    (row,) = listing.context["page"]
    assert row.way.kind is None
    assert "kein Online-Antrag vorhanden" in listing.text
    assert reverse("catalog:admin_toggle", args=[KFZ]) not in listing.text

    response = client.post(reverse("catalog:admin_toggle", args=[KFZ]), {"is_active": "1"})
    assert response.status_code == 302
    shown = client.get(response["Location"])
    assert "kann noch nicht online angeboten werden" in shown.text
    with scopes_disabled():
        assert not ServiceActivation.objects.exists()
    assert _audits(magdeburg) == []

    hund = client.get(reverse("catalog:admin_list"), {"q": HUNDEHALTUNG, "zustaendig": "0"})
    assert "Online-Antrag: Formular der Plattform" in hund.text
    assert reverse("catalog:admin_toggle", args=[HUNDEHALTUNG]) in hund.text
