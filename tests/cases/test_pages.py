"""The back-office pages: inbox and case file with every action, who may see them, and what a
refused action shows (a clear message, nothing changed)."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from openkommune.cases.constants import CaseEventKind, CaseStatus
from openkommune.cases.models import Case, CaseDocument, CaseEvent, CaseNote
from openkommune.cases.views import cases as views
from openkommune.tenancy.constants import Role
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.accounts.factories import UserFactory
from tests.cases.factories import clerk_of, make_offer, other_tenant, private_media  # noqa: F401
from tests.cases.inbox_factories import make_case, submitted_case
from tests.submissions.factories import EXE_BYTES, PDF_BYTES, TEST_FORM, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@pytest.fixture
def offer():
    return make_offer()


@pytest.fixture
def case(offer):
    return submitted_case(offer)


@pytest.fixture
def clerk(offer):
    return clerk_of(offer.tenant, first_name="Clara", last_name="Clerk")


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def detail_url(case, suffix=""):
    return reverse("cases:case_detail", args=[case.public_id]) + suffix


def reload(case) -> Case:
    with scopes_disabled():
        return Case.objects.get(pk=case.pk)


def events(case) -> list[str]:
    with scopes_disabled():
        return list(
            CaseEvent.objects.filter(case_public_id=case.public_id)
            .order_by("sequence")
            .values_list("kind", flat=True)
        )


# --- who may enter ---------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login(client, case):
    for url in (reverse("cases:inbox"), detail_url(case)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("kind", ["citizen", "cooperative_staff"])
def test_people_who_are_not_clerks_of_the_authority_get_404(client, case, kind):
    user = UserFactory(cooperative_staff=True) if kind == "cooperative_staff" else UserFactory()
    client.force_login(user)
    assert client.get(reverse("cases:inbox")).status_code == 404
    assert client.get(detail_url(case)).status_code == 404


def test_member_administrators_may_work_on_cases(client, case, offer):
    client.force_login(clerk_of(offer.tenant, role=Role.MEMBER_ADMIN))
    assert client.get(reverse("cases:inbox")).status_code == 200
    assert client.get(detail_url(case)).status_code == 200


def test_an_unknown_case_is_404(clerk_client):
    assert clerk_client.get(reverse("cases:case_detail", args=[uuid.uuid4()])).status_code == 404


# --- inbox -----------------------------------------------------------------------------------


def test_inbox_lists_the_case_with_tabs_and_sort_state(clerk_client, case):
    response = clerk_client.get(reverse("cases:inbox"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="weitere-filter">' in html  # closed while unused
    assert case.reference in html
    assert detail_url(case) in html
    assert "Erika Mustermann" in html
    assert "Alle (1)" in html
    assert "eingegangen (1)" in html
    assert "in Bearbeitung (0)" in html
    # The default sort is the date of receipt, newest first; its header says so.
    assert re.search(r'aria-sort="descending"><a[^>]*id="sortieren-eingang"', html)
    assert html.count("aria-sort=") == 1
    assert 'Eingang<span aria-hidden="true"> ▼</span>' in html  # visible as well
    assert 'href="?sortierung=eingang&amp;richtung=auf"' in html  # the toggle


def test_inbox_sort_and_filters_come_from_the_query_string(clerk_client, case, offer):
    make_case(
        tenant=offer.tenant,
        form_version=offer.version,
        ozg_leistung=offer.leistung,
        applicant_name="Zacharias Zeta",
        status=CaseStatus.IN_PROGRESS,
    )
    response = clerk_client.get(reverse("cases:inbox"), {"sortierung": "name", "richtung": "ab"})
    html = response.content.decode()
    assert html.index("Zacharias Zeta") < html.index("Erika Mustermann")
    assert re.search(r'aria-sort="descending"><a[^>]*id="sortieren-name"', html)
    response = clerk_client.get(reverse("cases:inbox"), {"status": "in_progress"})
    html = response.content.decode()
    assert "Zacharias Zeta" in html
    assert "Erika Mustermann" not in html
    assert 'aria-current="page"><strong>in Bearbeitung (1)' in html
    response = clerk_client.get(reverse("cases:inbox"), {"q": case.reference[-4:].lower()})
    html = response.content.decode()
    assert "Erika Mustermann" in html
    assert "Zacharias Zeta" not in html


def test_inbox_service_filter_names_the_form_not_the_catalogue_entry(clerk_client, case, offer):
    html = clerk_client.get(reverse("cases:inbox")).content.decode()
    title = case.application.service_name
    assert title != offer.leistung.name
    assert f'<option value="{offer.leistung.ozg_id}">{title}</option>' in html
    assert f">{offer.leistung.name}</option>" not in html


def test_inbox_mine_and_empty_state(clerk_client, clerk, case):
    html = clerk_client.get(reverse("cases:inbox"), {"zuweisung": "mir"}).content.decode()
    assert 'id="keine-vorgaenge"' in html
    assert "Zu diesen Filtern gibt es keine Vorgänge." in html
    with scope(tenant=case.tenant):
        Case.objects.filter(pk=case.pk).update(assigned_to=clerk)
    html = clerk_client.get(reverse("cases:inbox"), {"zuweisung": "mir"}).content.decode()
    assert case.reference in html


def test_inbox_of_an_authority_without_applications_says_so(client, offer):
    client.force_login(clerk_of(offer.tenant))
    html = client.get(reverse("cases:inbox")).content.decode()
    assert "Noch sind keine Anträge eingegangen." in html


def test_invalid_filters_are_reported_and_the_rest_applies(clerk_client, case):
    response = clerk_client.get(
        reverse("cases:inbox"), {"von": "31.02.2026", "status": "received", "leistung": "99999"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="fehlerzusammenfassung"' in html
    assert 'href="#id_von"' in html
    assert 'href="#id_leistung"' in html
    assert case.reference in html  # status=received still applies


@pytest.mark.parametrize(
    "params",
    [
        {"bis": "9999-12-31"},
        {"von": "0001-01-01"},
        {"von": "01.01.0001", "bis": "31.12.9999"},
        {"bis": "1999-12-31"},
    ],
)
def test_inbox_dates_outside_the_allowed_years_are_reported_not_a_500(clerk_client, case, params):
    response = clerk_client.get(reverse("cases:inbox"), {**params, "status": "received"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Bitte ein Datum zwischen dem Jahr 2000 und dem Jahr 2999 angeben." in html
    for name in params:
        assert f'href="#id_{name}"' in html
    assert case.reference in html  # the invalid date is left out, the rest applies


def test_inbox_dates_inside_the_allowed_years_filter(clerk_client, case):
    html = clerk_client.get(
        reverse("cases:inbox"), {"von": "2000-01-01", "bis": "2999-12-31"}
    ).content.decode()
    assert 'id="fehlerzusammenfassung"' not in html
    assert case.reference in html


def test_inbox_pagination_links_keep_the_filters(clerk_client, offer):
    for number in range(27):
        make_case(
            tenant=offer.tenant,
            form_version=offer.version,
            ozg_leistung=offer.leistung,
            applicant_name=f"Person {number:02d}",
        )
    html = clerk_client.get(reverse("cases:inbox"), {"q": "person"}).content.decode()
    assert "Vorgänge 1 bis 25 von 27" in html
    assert 'href="?q=person&amp;seite=2"' in html
    html = clerk_client.get(reverse("cases:inbox"), {"q": "person", "seite": "2"}).content.decode()
    assert "Vorgänge 26 bis 27 von 27" in html
    assert 'id="vorherige-seite"' in html
    assert 'id="naechste-seite"' not in html


# --- case file -------------------------------------------------------------------------------


def test_case_file_shows_answers_files_history_and_only_allowed_targets(clerk_client, case):
    response = clerk_client.get(detail_url(case))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Vor- und Nachname" in html
    assert "Erika Mustermann" in html
    assert "Datei: nachweis.pdf" in html
    with scope(tenant=case.tenant):
        attachment = case.application.attachments.get()
    assert reverse("cases:case_attachment", args=[case.public_id, attachment.public_id]) in html
    assert "Vorgang angelegt" in html
    # From "eingegangen" only "in Bearbeitung" and "ruhend" are offered.
    offered = re.findall(r'name="status-to" value="([a-z_]+)"', html)
    assert offered == [CaseStatus.IN_PROGRESS, CaseStatus.DORMANT]
    assert 'name="status-decision"' not in html
    # The other pages of the case file are linked where they exist.
    for name, dom_id in [
        ("cases:messages", "messages-link"),
        ("cases:notice_create", "notice-link"),
        ("delivery:case_export", "export-link"),
    ]:
        assert f'id="{dom_id}" href="{reverse(name, args=[case.public_id])}"' in html


def test_links_to_pages_that_do_not_exist_are_left_out():
    assert views._optional_url("cases:no_such_page", uuid.uuid4()) == ""


def test_attachment_and_receipt_downloads(clerk_client, case):
    with scope(tenant=case.tenant):
        attachment = case.application.attachments.get()
    response = clerk_client.get(
        reverse("cases:case_attachment", args=[case.public_id, attachment.public_id])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"].startswith("attachment")
    response = clerk_client.get(reverse("cases:case_receipt", args=[case.public_id]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    missing = reverse("cases:case_attachment", args=[case.public_id, uuid.uuid4()])
    assert clerk_client.get(missing).status_code == 404


def test_transition_with_reason_is_recorded(clerk_client, case, clerk):
    url = detail_url(case, "status/")
    response = clerk_client.post(url, {"status-to": CaseStatus.IN_PROGRESS})
    assert response.status_code == 302
    assert response["Location"].endswith("#status-aendern")
    assert reload(case).status == CaseStatus.IN_PROGRESS
    response = clerk_client.post(
        url,
        {"status-to": "decided", "status-decision": "approved", "status-reason": "Alles da."},
        follow=True,
    )
    html = response.content.decode()
    assert "Der Status ist jetzt „entschieden“." in html
    assert "Entscheidung: bewilligt" in html
    assert "Begründung: Alles da." in html
    assert reload(case).decision == "approved"
    with scopes_disabled():
        last = CaseEvent.objects.filter(case_public_id=case.public_id).latest("sequence")
    assert last.actor == clerk
    assert last.payload["reason"] == "Alles da."


def test_a_forbidden_transition_is_refused_with_a_clear_message(clerk_client, case):
    before = events(case)
    response = clerk_client.post(
        detail_url(case, "status/"), {"status-to": CaseStatus.CLOSED, "status-reason": "x"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="fehlerzusammenfassung"' in html
    assert (
        "Ein Vorgang im Status „eingegangen“ kann nicht in den Status „abgeschlossen“ wechseln."
        in html
    )
    assert 'href="#id_status-to"' in html
    assert 'id="id_status-to"' in html
    assert reload(case).status == CaseStatus.RECEIVED
    assert events(case) == before


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"status-to": "decided", "status-reason": "Gründe"}, "Bitte wählen Sie die Entscheidung"),
        ({"status-to": "decided", "status-decision": "rejected"}, "Bitte begründen Sie"),
        ({"status-to": "nonsense"}, "Diesen Status gibt es nicht."),
        ({}, "Bitte wählen Sie den neuen Status."),
    ],
)
def test_incomplete_decisions_change_nothing(clerk_client, case, post, message):
    clerk_client.post(detail_url(case, "status/"), {"status-to": CaseStatus.IN_PROGRESS})
    before = events(case)
    response = clerk_client.post(detail_url(case, "status/"), post)
    assert message in response.content.decode()
    assert reload(case).status == CaseStatus.IN_PROGRESS
    assert events(case) == before


def test_assign_reassign_and_unassign(clerk_client, case, clerk, offer):
    colleague = clerk_of(offer.tenant, first_name="Karl", last_name="Kollege")
    url = detail_url(case, "zuweisung/")
    assert clerk_client.post(url, {"zuweisung-assignee": str(clerk.pk)}).status_code == 302
    assert reload(case).assigned_to == clerk
    clerk_client.post(url, {"zuweisung-assignee": str(colleague.pk)})
    assert reload(case).assigned_to == colleague
    html = clerk_client.get(detail_url(case)).content.decode()
    assert "von Clara Clerk an Karl Kollege" in html
    clerk_client.post(url, {"zuweisung-assignee": ""})
    assert reload(case).assigned_to is None


def test_assigning_someone_outside_the_authority_is_refused(clerk_client, case):
    outsider = clerk_of(other_tenant())
    before = events(case)
    response = clerk_client.post(
        detail_url(case, "zuweisung/"), {"zuweisung-assignee": str(outsider.pk)}
    )
    assert response.status_code == 200
    assert 'id="fehlerzusammenfassung"' in response.content.decode()
    assert reload(case).assigned_to is None
    assert events(case) == before


def test_follow_up_date_set_refused_in_the_past_and_cleared(clerk_client, case):
    url = detail_url(case, "wiedervorlage/")
    later = timezone.localdate() + datetime.timedelta(days=7)
    assert (
        clerk_client.post(url, {"wiedervorlage-follow_up_on": later.isoformat()}).status_code == 302
    )
    assert reload(case).follow_up_on == later
    past = (timezone.localdate() - datetime.timedelta(days=1)).strftime("%d.%m.%Y")
    response = clerk_client.post(url, {"wiedervorlage-follow_up_on": past})
    assert (
        "Die Wiedervorlage muss heute oder an einem späteren Tag sein." in response.content.decode()
    )
    assert reload(case).follow_up_on == later
    clerk_client.post(url, {"wiedervorlage-follow_up_on": ""})
    assert reload(case).follow_up_on is None


def test_notes_are_added_and_empty_ones_refused(clerk_client, case):
    url = detail_url(case, "notiz/")
    response = clerk_client.post(url, {"notiz-text": "   "})
    assert "Bitte schreiben Sie eine Notiz." in response.content.decode()
    with scopes_disabled():
        assert not CaseNote.objects.filter(case=case).exists()
    clerk_client.post(url, {"notiz-text": "Rückruf am Montag"})
    html = clerk_client.get(detail_url(case)).content.decode()
    assert "Rückruf am Montag" in html
    assert CaseEventKind.NOTE_ADDED in events(case)


def test_documents_are_uploaded_downloaded_and_bad_files_refused(clerk_client, case):
    url = detail_url(case, "dokument/")
    response = clerk_client.post(
        url, {"dokument-title": "", "dokument-file": upload("programm.pdf", EXE_BYTES)}
    )
    assert "kann nicht angenommen werden" in response.content.decode()
    with scopes_disabled():
        assert not CaseDocument.objects.filter(case=case).exists()
    response = clerk_client.post(
        url, {"dokument-title": "Vermerk", "dokument-file": upload("vermerk.pdf", PDF_BYTES)}
    )
    assert response.status_code == 302
    with scopes_disabled():
        document = CaseDocument.objects.get(case=case)
    assert document.title == "Vermerk"
    download = reverse("cases:case_document", args=[case.public_id, document.public_id])
    assert download in clerk_client.get(detail_url(case)).content.decode()
    response = clerk_client.get(download)
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_a_closed_case_offers_no_actions_and_refuses_them(clerk_client, case):
    url = detail_url(case, "status/")
    clerk_client.post(url, {"status-to": "in_progress"})
    clerk_client.post(
        url, {"status-to": "decided", "status-decision": "partial", "status-reason": "r"}
    )
    clerk_client.post(url, {"status-to": "closed"})
    assert reload(case).status == CaseStatus.CLOSED
    html = clerk_client.get(detail_url(case)).content.decode()
    assert 'id="abgeschlossen-hinweis"' in html
    assert 'id="status-form"' not in html
    assert 'id="notiz-form"' not in html
    before = events(case)
    response = clerk_client.post(detail_url(case, "notiz/"), {"notiz-text": "noch was"})
    assert "abgeschlossen" in response.content.decode()
    assert events(case) == before


def test_overdue_deadline_is_shown_in_words(clerk_client, case):
    with scope(tenant=case.tenant):
        Case.objects.filter(pk=case.pk).update(
            due_on=timezone.localdate() - datetime.timedelta(days=2)
        )
    html = clerk_client.get(detail_url(case)).content.decode()
    assert "überfällig" in html
    assert "seit 2 Tagen abgelaufen" in html
    html = clerk_client.get(reverse("cases:inbox")).content.decode()
    assert "überfällig" in html


def test_a_case_of_a_form_without_applicant_marker_says_why_no_name_is_shown(clerk_client, offer):
    unmarked = {key: value for key, value in TEST_FORM.items() if key != "applicant"}
    other = make_offer(tenant=offer.tenant, definition=unmarked | {"key": "ohne_antragsteller"})
    case = submitted_case(other)
    assert case.applicant_name == "antrag@example.org"  # the e-mail address, nothing guessed
    with scopes_disabled():
        Case.objects.filter(pk=case.pk).update(applicant_name="")
    html = clerk_client.get(detail_url(case)).content.decode()
    assert 'id="antragsteller-hinweis"' in html
    assert "Das Formular kennzeichnet keine Angaben zur antragstellenden Person" in html


def test_a_case_of_a_marked_form_shows_the_name_without_hint(clerk_client, case):
    html = clerk_client.get(detail_url(case)).content.decode()
    assert "Erika Mustermann" in html
    assert 'id="antragsteller-hinweis"' not in html
