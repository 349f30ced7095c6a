"""Opening a case (the submit hook), assignment, follow-up, notes and documents: each atomic,
one chained event and one audit record, refused where the contract says so."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from openkommune.cases.constants import APPLICANT_NAME_MAX_LENGTH, CaseEventKind, CaseStatus
from openkommune.cases.errors import AssigneeNotAllowed, CaseClosed, CaseInputInvalid
from openkommune.cases.models import Case, CaseDocument, CaseEvent, CaseNote
from openkommune.cases.services import (
    case_add_document,
    case_add_note,
    case_assign,
    case_open_for_application,
    case_set_follow_up,
    case_transition,
)
from openkommune.cases.services.service_settings import service_deadline_set
from openkommune.cases.services.workflow import applicant_name
from openkommune.core.timezone import local_date
from openkommune.forms.engine import applicant_values, parse_definition
from openkommune.submissions.constants import ApplicationStatus, EventKind
from openkommune.submissions.models import ApplicationEvent
from openkommune.submissions.services import UploadRejected
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.accounts.factories import UserFactory
from tests.cases.factories import (
    clerk_of,
    make_offer,
    open_case,
    other_tenant,
    private_media,  # noqa: F401
    submitted_application,
)
from tests.submissions.factories import HTML_BYTES, PDF_BYTES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def events_of(case) -> list[CaseEvent]:
    with scope(tenant=case.tenant):
        return list(CaseEvent.objects.filter(case=case).order_by("sequence"))


def audit_actions(case) -> list[str]:
    with scopes_disabled():
        return list(
            AuditRecord.objects.filter(tenant=case.tenant)
            .order_by("id")
            .values_list("action", flat=True)
        )


# --- opening (the submit hook) ---------------------------------------------------------------


def test_submitting_an_application_opens_exactly_one_case():
    application = submitted_application(name="Erika Mustermann")
    with scopes_disabled():
        cases = list(Case.objects.filter(application=application))
    assert len(cases) == 1
    case = cases[0]
    assert case.tenant_id == application.tenant_id
    assert case.reference == application.reference
    assert case.applicant_name == "Erika Mustermann"
    assert case.search_text == f"{application.reference.lower()} erika mustermann"
    assert case.status == CaseStatus.RECEIVED
    assert case.submitted_at == application.submitted_at
    assert [e.kind for e in events_of(case)] == [CaseEventKind.OPENED]
    assert "case.open" in audit_actions(case)


def test_the_immutable_open_record_keeps_no_reference():
    """The tenancy audit record outlives anonymisation (which replaces the reference): the
    reference is only in the chained, redactable event."""
    case = open_case()
    with scopes_disabled():
        record = AuditRecord.objects.get(tenant=case.tenant, action="case.open")
    assert case.reference not in str(record.before) + str(record.after)
    assert record.object_id == str(case.public_id)
    assert events_of(case)[0].payload["reference"] == case.reference


def test_opening_again_returns_the_same_case_without_a_new_event():
    case = open_case()
    again = case_open_for_application(case.application)
    assert again.pk == case.pk
    assert len(events_of(case)) == 1
    with scopes_disabled():
        assert Case.objects.filter(application=case.application).count() == 1


def test_the_applicant_sees_the_receipt_confirmed():
    case = open_case()
    with scope(tenant=case.tenant):
        kinds = list(
            ApplicationEvent.objects.filter(application=case.application)
            .order_by("at", "id")
            .values_list("kind", flat=True)
        )
    assert kinds == [EventKind.SUBMITTED, EventKind.DELIVERED, EventKind.RECEIVED]
    case.application.refresh_from_db()
    assert case.application.status == ApplicationStatus.RECEIVED


def test_due_date_comes_from_the_members_deadline_before_the_default():
    # Set through the service, as the admin and the member page do: the submit reads the
    # deadline from the read cache, which the service's new version makes read again.
    offer = make_offer()
    service_deadline_set(
        tenant=None, actor=None, ozg_leistung=offer.leistung, days=30, legal_basis="§ 1 Test"
    )
    default_case = open_case(offer)
    submitted = local_date(default_case.submitted_at)
    assert default_case.due_on == submitted + dt.timedelta(days=30)
    service_deadline_set(
        tenant=offer.tenant, actor=None, ozg_leistung=offer.leistung, days=14, legal_basis="§ 2"
    )
    own_case = open_case(offer)
    submitted = local_date(own_case.submitted_at)
    assert own_case.due_on == submitted + dt.timedelta(days=14)


def test_no_deadline_means_no_due_date():
    assert open_case().due_on is None


# --- applicant name --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("applicant", "expected"),
    [
        ({"given_name": "Erika", "family_name": "Mustermann"}, "Erika Mustermann"),
        ({"given_name": " Max ", "family_name": "Muster"}, "Max Muster"),
        (
            {"given_name": "Anna Lena", "family_name": "Schmidt", "organisation": "AS GmbH"},
            "Anna Lena Schmidt (AS GmbH)",
        ),
        ({"organisation": "Nur Firma GmbH"}, "Nur Firma GmbH"),
        ({"name": "Erika Mustermann"}, "Erika Mustermann"),
        ({"family_name": "Beispiel"}, "Beispiel"),
        ({"given_name": "Ohne"}, "e@example.org"),
        ({}, "e@example.org"),
    ],
)
def test_applicant_name_from_the_marked_roles(applicant, expected):
    assert applicant_name(applicant, email="e@example.org") == expected


def _marked_data(definition, values: dict) -> dict:
    """Application data with `values` (role -> value) at the fields the form marks."""
    data: dict = {}
    for role, value in values.items():
        field_id = definition.applicant[role]
        target = data
        for group in definition.locations[field_id].groups:
            target = target.setdefault(group, {})
        target[field_id] = value
    return data


def test_every_shipped_form_marks_its_applicant():
    forms = Path(__file__).parents[2] / "src/openkommune/forms/definitions"
    for path in sorted(forms.glob("*.json")):
        definition = parse_definition(json.loads(path.read_text()))
        assert {"family_name", "address", "email"} <= set(definition.applicant), path.name
        names = {"given_name": "Erika", "family_name": "Mustermann"}
        applicant = applicant_values(definition, _marked_data(definition, names))
        assert applicant_name(applicant) == "Erika Mustermann", path.name


ODD_FORM = {
    "format": 1,
    "key": "seltsam",
    "title": "Formular mit ungewöhnlichen Namen",
    "leika_keys": ["99102013000000"],
    "steps": [
        {
            "id": "s1",
            "title": "Wer beantragt?",
            "items": [
                {
                    "kind": "group",
                    "id": "wer_beantragt",
                    "title": "Wer beantragt?",
                    "items": [
                        {"kind": "field", "id": "rufname", "type": "text", "label": "Rufname"},
                        {"kind": "field", "id": "familie", "type": "text", "label": "Familie"},
                    ],
                },
                # A name-like field that is not the applicant's: never guessed.
                {"kind": "field", "id": "nachname", "type": "text", "label": "Name des Hundes"},
            ],
        }
    ],
}
ODD_MARKER = {"applicant": {"given_name": "rufname", "family_name": "familie"}}
ODD_DATA = {"wer_beantragt": {"rufname": "Ida", "familie": "Ungewöhnlich"}, "nachname": "Bello"}


def test_the_marked_fields_name_the_applicant_whatever_their_group_is_called():
    definition = parse_definition(ODD_FORM | ODD_MARKER)
    assert applicant_name(applicant_values(definition, ODD_DATA)) == "Ida Ungewöhnlich"


def test_a_form_without_marker_names_no_applicant():
    definition = parse_definition(ODD_FORM)
    assert applicant_values(definition, ODD_DATA) == {}
    assert applicant_name(applicant_values(definition, ODD_DATA)) == ""


@given(st.recursive(st.none() | st.text() | st.integers(), lambda c: st.dictionaries(st.text(), c)))
def test_applicant_name_never_fails_and_fits_the_column(data):
    definition = parse_definition(ODD_FORM | ODD_MARKER)
    name = applicant_name(applicant_values(definition, data), email="x@example.org")
    assert isinstance(name, str)
    assert len(name) <= APPLICANT_NAME_MAX_LENGTH


# --- assignment ------------------------------------------------------------------------------


def test_assign_to_a_clerk_of_the_same_tenant():
    case = open_case()
    actor = clerk_of(case.tenant)
    colleague = clerk_of(case.tenant, first_name="Karla", last_name="Kollegin")
    case_assign(tenant=case.tenant, actor=actor, case=case, assignee=colleague)
    case.refresh_from_db()
    assert case.assigned_to == colleague
    event = events_of(case)[-1]
    assert event.kind == CaseEventKind.ASSIGNED
    assert event.actor == actor
    assert event.payload == {"from": None, "to": {"id": colleague.pk, "name": "Karla Kollegin"}}
    assert audit_actions(case)[-1] == "case.assign"


def test_a_member_administrator_can_be_assigned_too():
    case = open_case()
    admin = clerk_of(case.tenant, role=Role.MEMBER_ADMIN)
    case_assign(tenant=case.tenant, actor=admin, case=case, assignee=admin)
    case.refresh_from_db()
    assert case.assigned_to == admin


@pytest.mark.parametrize("who", ["foreign_clerk", "no_membership"])
def test_assignment_to_someone_outside_the_tenant_is_refused(who):
    case = open_case()
    actor = clerk_of(case.tenant)
    assignee = clerk_of(other_tenant()) if who == "foreign_clerk" else UserFactory()
    before = len(events_of(case))
    with pytest.raises(AssigneeNotAllowed) as refused:
        case_assign(tenant=case.tenant, actor=actor, case=case, assignee=assignee)
    assert "Ihrer Organisation" in refused.value.message
    case.refresh_from_db()
    assert case.assigned_to is None
    assert len(events_of(case)) == before


def test_unassign_and_reassigning_the_same_person_is_no_event():
    case = open_case()
    actor = clerk_of(case.tenant)
    case_assign(tenant=case.tenant, actor=actor, case=case, assignee=actor)
    case_assign(tenant=case.tenant, actor=actor, case=case, assignee=actor)
    case_assign(tenant=case.tenant, actor=actor, case=case, assignee=None)
    case.refresh_from_db()
    assert case.assigned_to is None
    assert [e.kind for e in events_of(case)].count(CaseEventKind.ASSIGNED) == 2


def test_another_tenants_case_cannot_be_changed():
    case = open_case()
    stranger_tenant = other_tenant()
    stranger = clerk_of(stranger_tenant)
    with pytest.raises(Case.DoesNotExist):
        case_assign(tenant=stranger_tenant, actor=stranger, case=case, assignee=stranger)
    with pytest.raises(Case.DoesNotExist):
        case_add_note(tenant=stranger_tenant, actor=stranger, case=case, text="fremd")
    with pytest.raises(Case.DoesNotExist):
        case_transition(
            tenant=stranger_tenant, actor=stranger, case=case, to=CaseStatus.IN_PROGRESS
        )
    assert len(events_of(case)) == 1


# --- follow-up -------------------------------------------------------------------------------


def test_follow_up_set_and_cleared():
    case = open_case()
    actor = clerk_of(case.tenant)
    today = dt.date(2026, 3, 2)
    case_set_follow_up(
        tenant=case.tenant, actor=actor, case=case, follow_up_on=dt.date(2026, 3, 9), today=today
    )
    case.refresh_from_db()
    assert case.follow_up_on == dt.date(2026, 3, 9)
    assert events_of(case)[-1].payload == {"from": None, "to": "2026-03-09"}
    case_set_follow_up(tenant=case.tenant, actor=actor, case=case, follow_up_on=None, today=today)
    case.refresh_from_db()
    assert case.follow_up_on is None
    assert audit_actions(case)[-2:] == ["case.follow_up", "case.follow_up"]


def test_follow_up_in_the_past_is_refused():
    case = open_case()
    with pytest.raises(CaseInputInvalid) as refused:
        case_set_follow_up(
            tenant=case.tenant,
            actor=None,
            case=case,
            follow_up_on=dt.date(2026, 3, 1),
            today=dt.date(2026, 3, 2),
        )
    assert refused.value.fields == {"follow_up_on": [refused.value.message]}


# --- notes -----------------------------------------------------------------------------------


def test_note_is_stored_and_its_text_chained():
    case = open_case()
    actor = clerk_of(case.tenant)
    note = case_add_note(tenant=case.tenant, actor=actor, case=case, text="  Rückruf erledigt. ")
    with scope(tenant=case.tenant):
        assert list(CaseNote.objects.filter(case=case)) == [note]
    assert note.text == "Rückruf erledigt."
    assert note.author == actor
    event = events_of(case)[-1]
    assert event.kind == CaseEventKind.NOTE_ADDED
    assert event.payload == {"note": str(note.public_id), "text": "Rückruf erledigt."}


@pytest.mark.parametrize("text", ["", "   ", "x" * 10001])
def test_empty_or_overlong_note_is_refused(text):
    case = open_case()
    with pytest.raises(CaseInputInvalid):
        case_add_note(tenant=case.tenant, actor=None, case=case, text=text)
    assert len(events_of(case)) == 1


# --- documents -------------------------------------------------------------------------------


def test_document_is_stored_privately_with_its_detected_type(settings):
    case = open_case()
    actor = clerk_of(case.tenant)
    upload = SimpleUploadedFile("vermerk.txt", PDF_BYTES, content_type="text/plain")
    document = case_add_document(
        tenant=case.tenant, actor=actor, case=case, uploaded_file=upload, title="Vermerk"
    )
    assert document.content_type == "application/pdf"  # the bytes decide, not the name
    assert document.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert document.size == len(PDF_BYTES)
    assert document.title == "Vermerk"
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / document.storage_name).read_bytes() == PDF_BYTES
    event = events_of(case)[-1]
    assert event.kind == CaseEventKind.DOCUMENT_ADDED
    assert event.payload["sha256"] == document.sha256
    assert audit_actions(case)[-1] == "case.document_add"


def test_document_title_defaults_to_the_file_name():
    case = open_case()
    upload = SimpleUploadedFile("Bescheid-Entwurf.pdf", PDF_BYTES)
    document = case_add_document(tenant=case.tenant, actor=None, case=case, uploaded_file=upload)
    assert document.title == "Bescheid-Entwurf.pdf"


def test_html_document_is_refused_and_nothing_is_stored(settings):
    case = open_case()
    upload = SimpleUploadedFile("notiz.pdf", HTML_BYTES)
    with pytest.raises(UploadRejected):
        case_add_document(tenant=case.tenant, actor=None, case=case, uploaded_file=upload)
    with scope(tenant=case.tenant):
        assert not CaseDocument.objects.exists()
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    # Neither the stored file nor the spooled temporary file remains.
    assert [p for p in root.rglob("*") if p.is_file() and "receipts" not in str(p)] == []
    assert len(events_of(case)) == 1


# --- a closed case is final ------------------------------------------------------------------


def closed_case():
    case = open_case()
    actor = clerk_of(case.tenant)
    for to, extra in [
        (CaseStatus.IN_PROGRESS, {}),
        (CaseStatus.DECIDED, {"decision": "approved", "reason": "Voraussetzungen erfüllt."}),
        (CaseStatus.CLOSED, {}),
    ]:
        case_transition(tenant=case.tenant, actor=actor, case=case, to=to, **extra)
    return case, actor


def test_closed_case_takes_no_notes_documents_assignment_or_follow_up():
    case, actor = closed_case()
    before = len(events_of(case))
    with pytest.raises(CaseClosed):
        case_add_note(tenant=case.tenant, actor=actor, case=case, text="noch etwas")
    with pytest.raises(CaseClosed):
        case_assign(tenant=case.tenant, actor=actor, case=case, assignee=actor)
    with pytest.raises(CaseClosed):
        case_set_follow_up(
            tenant=case.tenant, actor=actor, case=case, follow_up_on=dt.date(2999, 1, 1)
        )
    with pytest.raises(CaseClosed):
        case_add_document(
            tenant=case.tenant,
            actor=actor,
            case=case,
            uploaded_file=SimpleUploadedFile("a.pdf", PDF_BYTES),
        )
    assert len(events_of(case)) == before
