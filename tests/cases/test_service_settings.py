"""Deadline and notice template per service: the member administrator's page, the services
behind it (audited, checked, isolated per organisation) and the cooperative's admin."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from openkommune.accounts.models import User
from openkommune.cases.constants import Decision, RetentionAction
from openkommune.cases.models import NoticeTemplate, RetentionRule, ServiceDeadline
from openkommune.cases.services import service_settings
from openkommune.cases.services.notices import notice_draft
from openkommune.cases.services.retention import Rules, Source, retention_rule_set
from openkommune.core.timezone import local_date
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.accounts.factories import UserFactory
from tests.cases.factories import clerk_of, open_case, other_tenant, private_media  # noqa: F401
from tests.submissions.factories import HUNDEHALTUNG, make_offer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

LIST = reverse("cases:service_settings")
DEADLINE = reverse("cases:service_deadline_edit", args=[HUNDEHALTUNG])
TEMPLATE = reverse("cases:notice_template_edit", args=[HUNDEHALTUNG])
BASIS = "§ 99 Musterverordnung (Test)"


@pytest.fixture
def offer():
    return make_offer()


@pytest.fixture
def admin(offer):
    return clerk_of(offer.tenant, role=Role.MEMBER_ADMIN)


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def _records(action, tenant=None):
    with scopes_disabled():
        return list(AuditRecord.objects.filter(action=action, tenant=tenant).order_by("id"))


def _deadlines():
    with scopes_disabled():
        return list(
            ServiceDeadline.objects.order_by("id").values_list("tenant_id", "days", "legal_basis")
        )


# --- access and the overview -------------------------------------------------------------------


def test_urls():
    assert LIST == "/behoerde/leistungen/"
    assert f"/behoerde/leistungen/{HUNDEHALTUNG}/frist/" == DEADLINE
    assert f"/behoerde/leistungen/{HUNDEHALTUNG}/bescheidvorlage/" == TEMPLATE


def test_login_required_and_only_member_admins(client, offer):
    for url in (LIST, DEADLINE, TEMPLATE):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    for user in (clerk_of(offer.tenant), UserFactory(), UserFactory(cooperative_staff=True)):
        client.force_login(user)
        for url in (LIST, DEADLINE, TEMPLATE):
            assert client.get(url).status_code == 403
        assert client.post(DEADLINE, {"days": "30", "legal_basis": BASIS}).status_code == 403
        assert client.post(TEMPLATE, {"title": "T", "body": "B"}).status_code == 403
    assert _deadlines() == []


def test_overview_lists_the_offered_services_with_what_applies(admin_client, offer):
    response = admin_client.get(LIST)
    assert response.status_code == 200
    text = response.text
    assert offer.leistung.name in text
    assert "keine" in text
    assert "allgemeine Vorlage mit Beispieltext" in text
    assert DEADLINE in text
    assert TEMPLATE in text


def test_a_service_not_offered_online_is_404(admin_client, offer):
    make_offer(active=False, tenant=offer.tenant)  # switched off again
    assert admin_client.get(LIST).text.count(DEADLINE) == 0
    for url in (DEADLINE, TEMPLATE):
        assert admin_client.get(url).status_code == 404
        assert admin_client.post(url, {"days": "30", "legal_basis": BASIS}).status_code == 404
    other = reverse("cases:service_deadline_edit", args=["99999"])
    assert admin_client.get(other).status_code == 404


def test_the_account_overview_links_the_page(admin_client):
    assert LIST in admin_client.get(reverse("accounts:overview")).text


# --- the legal deadline ------------------------------------------------------------------------


def test_setting_a_deadline_applies_to_new_cases_and_is_audited(admin_client, offer):
    before = open_case(offer)
    response = admin_client.post(DEADLINE, {"days": "30", "legal_basis": f"  {BASIS} "})
    assert response.status_code == 302
    assert response.url == LIST
    assert _deadlines() == [(offer.tenant.pk, 30, BASIS)]
    (record,) = _records("service_deadline.create", offer.tenant)
    assert record.after["days"] == 30
    assert "30 Tage (eigene Frist; § 99 Musterverordnung (Test))" in admin_client.get(LIST).text
    case = open_case(offer)
    received = local_date(case.submitted_at)
    assert case.due_on == received + datetime.timedelta(days=30)
    with scope(tenant=offer.tenant):
        before.refresh_from_db()
    assert before.due_on is None  # opened before: keeps what it had
    # The same again writes nothing; an empty number removes the own deadline.
    admin_client.post(DEADLINE, {"days": "30", "legal_basis": BASIS})
    assert len(_records("service_deadline.update", offer.tenant)) == 0
    admin_client.post(DEADLINE, {"days": "", "legal_basis": ""})
    assert _deadlines() == []
    assert len(_records("service_deadline.delete", offer.tenant)) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"days": "30", "legal_basis": ""}, "Bitte nennen Sie die Rechtsgrundlage der Frist."),
        ({"days": "0", "legal_basis": BASIS}, "Bitte mindestens 1 Tag angeben."),
        ({"days": "99999", "legal_basis": BASIS}, "Bitte höchstens 3650 Tage angeben."),
        ({"days": "drei", "legal_basis": BASIS}, "Bitte eine ganze Zahl angeben"),
    ],
)
def test_bad_deadlines_are_refused_and_keep_what_was_typed(admin_client, data, message):
    response = admin_client.post(DEADLINE, data)
    assert response.status_code == 200
    assert message in response.text
    assert 'id="fehlerzusammenfassung"' in response.text
    assert f'value="{data["days"]}"' in response.text
    assert _deadlines() == []


def test_the_cooperative_default_applies_until_the_member_sets_its_own(admin_client, offer):
    service_settings.service_deadline_set(
        tenant=None, actor=None, ozg_leistung=offer.leistung, days=60, legal_basis=BASIS
    )
    assert "Zurzeit gilt die Vorgabe der Genossenschaft: 60 Tage" in admin_client.get(DEADLINE).text
    assert open_case(offer).due_on is not None
    admin_client.post(DEADLINE, {"days": "14", "legal_basis": BASIS})
    case = open_case(offer)
    assert case.due_on == local_date(case.submitted_at) + datetime.timedelta(14)


def test_another_members_deadline_is_neither_shown_nor_used(admin_client, offer):
    stranger = other_tenant()
    service_settings.service_deadline_set(
        tenant=stranger, actor=None, ozg_leistung=offer.leistung, days=5, legal_basis=BASIS
    )
    assert "5 Tage" not in admin_client.get(LIST).text
    assert "Zurzeit gilt keine Frist." in admin_client.get(DEADLINE).text
    assert open_case(offer).due_on is None


def test_the_services_check_who_acts(offer, admin):
    clerk = clerk_of(offer.tenant)
    staff = UserFactory(cooperative_staff=True)
    with pytest.raises(PermissionDenied):
        service_settings.service_deadline_set(
            tenant=offer.tenant, actor=clerk, ozg_leistung=offer.leistung, days=3, legal_basis="x"
        )
    with pytest.raises(PermissionDenied):  # a member administrator: not for everyone
        service_settings.service_deadline_set(
            tenant=None, actor=admin, ozg_leistung=offer.leistung, days=3, legal_basis="x"
        )
    with pytest.raises(PermissionDenied):
        service_settings.notice_template_set(
            tenant=other_tenant(), actor=admin, ozg_leistung=offer.leistung, title="T", body="B"
        )
    with pytest.raises(PermissionDenied):
        retention_rule_set(tenant=None, actor=admin, ozg_leistung=None, months=12)
    service_settings.service_deadline_set(
        tenant=None, actor=staff, ozg_leistung=offer.leistung, days=3, legal_basis="x"
    )
    assert _deadlines() == [(None, 3, "x")]
    assert _records("service_deadline.create")[0].actor == staff


# --- the notice template -----------------------------------------------------------------------


def test_the_own_template_starts_from_the_builtin_text_and_is_used(admin_client, offer):
    page = admin_client.get(TEMPLATE)
    assert page.status_code == 200
    assert "Rechtsbehelfsbelehrung" in page.text
    assert "BEISPIELTEXT" in page.text
    assert "Entscheidung: {{ decision }}." in page.text
    response = admin_client.post(
        TEMPLATE,
        {
            "_action": "speichern",
            "title": "Hundesteuerbescheid {{ reference }}",
            "body": "## Entscheidung\r\n\r\n{{ decision }} für {{ applicant_name }}.",
        },
    )
    assert response.status_code == 302
    with scope(tenant=offer.tenant):
        template = NoticeTemplate.objects.get()
    assert template.body == "## Entscheidung\n\n{{ decision }} für {{ applicant_name }}."
    assert template.updated_by == admin_client.get(LIST).wsgi_request.user
    assert len(_records("notice_template.create", offer.tenant)) == 1
    assert "eigene Vorlage" in admin_client.get(LIST).text
    case = open_case(offer, name="Erika Mustermann")
    draft = notice_draft(tenant=offer.tenant, case=case, decision=Decision.APPROVED, reason="r")
    assert draft.source == "member"
    assert draft.title == f"Hundesteuerbescheid {case.reference}"
    assert draft.body == "## Entscheidung\n\nbewilligt für Erika Mustermann."
    # Removing it brings back the built-in text.
    assert admin_client.get(TEMPLATE).text.count('id="vorlage-entfernen"') == 1
    admin_client.post(TEMPLATE, {"_action": "entfernen"})
    with scope(tenant=offer.tenant):
        assert not NoticeTemplate.objects.exists()
    assert len(_records("notice_template.delete", offer.tenant)) == 1
    draft = notice_draft(tenant=offer.tenant, case=case, decision=Decision.APPROVED, reason="r")
    assert draft.source == "builtin"


def test_a_template_with_an_unknown_placeholder_or_without_text_is_refused(admin_client):
    response = admin_client.post(
        TEMPLATE, {"_action": "speichern", "title": "Bescheid", "body": "Hallo {{ vorname }}"}
    )
    assert response.status_code == 200
    assert "Diese Platzhalter gibt es nicht: {{ vorname }}." in response.text
    assert "Hallo {{ vorname }}" in response.text  # kept as typed
    response = admin_client.post(TEMPLATE, {"_action": "speichern", "title": "", "body": " "})
    assert "Bitte geben Sie eine Überschrift ein." in response.text
    assert "Bitte geben Sie den Text des Bescheids ein." in response.text
    with scopes_disabled():
        assert not NoticeTemplate.objects.exists()


def test_the_cooperative_template_is_shown_as_the_start_of_the_own(admin_client, offer):
    service_settings.notice_template_set(
        tenant=None,
        actor=None,
        ozg_leistung=offer.leistung,
        title="Vorlage der Genossenschaft",
        body="Text der Genossenschaft für {{ reference }}",
    )
    page = admin_client.get(TEMPLATE).text
    assert "Zurzeit gilt die Vorlage der Genossenschaft" in page
    assert "Text der Genossenschaft für {{ reference }}" in page
    assert "Vorlage der Genossenschaft" in admin_client.get(LIST).text


# --- the cooperative's admin -------------------------------------------------------------------


@pytest.fixture
def superuser_client(client):
    user = User.objects.create_superuser(email="betrieb@test.example.org", password="x" * 12)
    client.force_login(user)
    client.user = user
    return client


def _admin_url(model, action, *args):
    return reverse(f"admin:cases_{model}_{action}", args=args)


def test_admin_lists_defaults_and_members_rows(superuser_client, offer):
    service_settings.notice_template_set(
        tenant=offer.tenant, actor=None, ozg_leistung=offer.leistung, title="Eigene", body="B"
    )
    service_settings.service_deadline_set(
        tenant=None, actor=None, ozg_leistung=offer.leistung, days=9, legal_basis=BASIS
    )
    retention_rule_set(tenant=offer.tenant, actor=None, ozg_leistung=None, months=36)
    for model, expected in (
        ("noticetemplate", offer.tenant.name),
        ("servicedeadline", "Vorgabe der Genossenschaft"),
        ("retentionrule", offer.tenant.name),
    ):
        response = superuser_client.get(_admin_url(model, "changelist"))
        assert response.status_code == 200, model
        assert expected in response.text
        assert superuser_client.get(_admin_url(model, "add")).status_code == 200


def test_admin_adds_changes_and_deletes_defaults_through_the_services(superuser_client, offer):
    response = superuser_client.post(
        _admin_url("noticetemplate", "add"),
        {
            "ozg_leistung": offer.leistung.pk,
            "decision": "",
            "title": "Bescheid der Genossenschaft",
            "body": "Guten Tag {{ applicant_name }}",
        },
    )
    assert response.status_code == 302, response.text[:3000]
    template = NoticeTemplate.all_objects.get()
    assert template.tenant_id is None
    assert template.updated_by == superuser_client.user
    (record,) = _records("notice_template.create")
    assert record.actor == superuser_client.user
    # A second default for the same service and decision is refused, not overwritten.
    again = superuser_client.post(
        _admin_url("noticetemplate", "add"),
        {"ozg_leistung": offer.leistung.pk, "decision": "", "title": "Zweite", "body": "B"},
    )
    assert again.status_code == 200
    assert "gibt es schon eine Vorgabe der Genossenschaft" in again.text
    bad = superuser_client.post(
        _admin_url("noticetemplate", "add"),
        {
            "ozg_leistung": offer.leistung.pk,
            "decision": "rejected",
            "title": "T",
            "body": "{{ x }}",
        },
    )
    assert bad.status_code == 200
    assert "Diese Platzhalter gibt es nicht" in bad.text
    changed = superuser_client.post(
        _admin_url("noticetemplate", "change", template.pk),
        {"title": "Neu", "body": "Neuer Text"},
    )
    assert changed.status_code == 302
    template.refresh_from_db()
    assert (template.title, template.body) == ("Neu", "Neuer Text")
    assert len(_records("notice_template.update")) == 1
    deleted = superuser_client.post(
        _admin_url("noticetemplate", "delete", template.pk), {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert not NoticeTemplate.all_objects.exists()
    assert len(_records("notice_template.delete")) == 1

    response = superuser_client.post(
        _admin_url("servicedeadline", "add"),
        {"ozg_leistung": offer.leistung.pk, "days": "", "legal_basis": ""},
    )
    assert response.status_code == 200  # days are required here
    response = superuser_client.post(
        _admin_url("servicedeadline", "add"),
        {"ozg_leistung": offer.leistung.pk, "days": "20", "legal_basis": ""},
    )
    assert "Bitte nennen Sie die Rechtsgrundlage der Frist." in response.text
    response = superuser_client.post(
        _admin_url("servicedeadline", "add"),
        {"ozg_leistung": offer.leistung.pk, "days": "20", "legal_basis": BASIS},
    )
    assert response.status_code == 302
    assert _deadlines() == [(None, 20, BASIS)]
    assert open_case(offer).due_on is not None

    response = superuser_client.post(
        _admin_url("retentionrule", "add"),
        {"ozg_leistung": "", "months": "48", "action": RetentionAction.DELETED},
    )
    assert response.status_code == 302
    rule = RetentionRule.all_objects.get()
    assert (rule.tenant_id, rule.ozg_leistung_id, rule.months) == (None, None, 48)
    assert Rules(offer.tenant).policy(offer.leistung.pk).source == Source.COOPERATIVE
    assert len(_records("retention_rule.create")) == 1


def test_admin_deletes_deadline_and_retention_defaults_through_the_services(
    superuser_client, offer
):
    staff = superuser_client.user
    deadline = service_settings.service_deadline_set(
        tenant=None, actor=staff, ozg_leistung=offer.leistung, days=20, legal_basis=BASIS
    )
    rule = retention_rule_set(
        tenant=None, actor=staff, ozg_leistung=None, months=48, action=RetentionAction.DELETED
    )
    for model, row in (("servicedeadline", deadline), ("retentionrule", rule)):
        response = superuser_client.post(_admin_url(model, "delete", row.pk), {"post": "yes"})
        assert response.status_code == 302
    assert _deadlines() == []
    assert not RetentionRule.all_objects.exists()
    # Deleted by the audited services, by the person who pressed the button.
    for action in ("service_deadline.delete", "retention_rule.delete"):
        (record,) = _records(action)
        assert record.actor == staff


def test_admin_shows_members_rows_read_only(superuser_client, offer):
    own = service_settings.notice_template_set(
        tenant=offer.tenant, actor=None, ozg_leistung=offer.leistung, title="Eigene", body="B"
    )
    url = _admin_url("noticetemplate", "change", own.pk)
    page = superuser_client.get(url)
    assert page.status_code == 200
    assert 'name="title"' not in page.text  # shown, not editable
    assert superuser_client.post(url, {"title": "Übernommen", "body": "X"}).status_code == 403
    assert (
        superuser_client.post(
            _admin_url("noticetemplate", "delete", own.pk), {"post": "yes"}
        ).status_code
        == 403
    )
    with scope(tenant=offer.tenant):
        assert NoticeTemplate.objects.get().title == "Eigene"


def test_values_the_services_refuse():
    with pytest.raises(ValidationError) as refused:
        service_settings.clean_template("vielleicht", "T", "B")
    assert "decision" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        service_settings.clean_deadline(0, BASIS)
    assert "days" in refused.value.message_dict
    assert service_settings.clean_deadline(None, "egal") == (None, "")
