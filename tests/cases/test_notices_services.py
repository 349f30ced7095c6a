"""Notices: the decision through the workflow, the text from the service's template (the
member's own, else the cooperative's, else the built-in one), the PDF (PDF/UA-1, stored with
its SHA-256), the mailbox, the e-mail without personal data, and the first retrieval."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.core import mail

from openkommune.cases.constants import CaseEventKind, CaseStatus, Decision
from openkommune.cases.errors import (
    CaseClosed,
    DecisionRequired,
    NoticeAlreadyIssued,
    ReasonRequired,
    TransitionNotAllowed,
)
from openkommune.cases.models import NoticeTemplate
from openkommune.cases.services import case_transition
from openkommune.cases.services.notice_pdf import applicant_address
from openkommune.cases.services.notice_texts import fill_placeholders, text_blocks
from openkommune.cases.services.notices import (
    notice_draft,
    notice_issue,
    notice_open,
    notice_template_for,
)
from openkommune.core.timezone import local_date
from openkommune.submissions.constants import ApplicationStatus, EventKind
from openkommune.submissions.models import ApplicationEvent
from tests.cases.test_messages_support import (  # noqa: F401  (fixtures)
    APPLICANT_NAME,
    audit_actions,
    events_of,
    immediate_tasks,
    mailbox_urls,
    make_setting,
    notices_of,
    other_tenant,
    private_media,
    refreshed,
)
from tests.submissions.factories import pdf_objects, pdf_text

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_media", "immediate_tasks", "mailbox_urls"),
]


@pytest.fixture
def setting():
    return make_setting()


REASON = "Der Hund ist ordnungsgemäß angemeldet; Bello wird besteuert."


def start_work(setting):
    case_transition(
        tenant=setting.tenant, actor=setting.clerk, case=setting.case, to=CaseStatus.IN_PROGRESS
    )


def issue(setting, decision=Decision.APPROVED, reason=REASON, capture=None, **kw):
    def call():
        return notice_issue(
            tenant=setting.tenant,
            actor=setting.clerk,
            case=setting.case,
            decision=decision,
            reason=reason,
            **kw,
        )

    if capture is None:
        return call()
    with capture(execute=True):
        return call()


def template(setting, *, tenant=..., decision="", title="Vorlage", body="Text {{ reference }}"):
    return NoticeTemplate.all_objects.create(
        tenant=setting.tenant if tenant is ... else tenant,
        ozg_leistung=setting.case.ozg_leistung,
        decision=decision,
        title=title,
        body=body,
    )


# --- issuing -------------------------------------------------------------------------------------


def test_issuing_decides_the_case_and_stores_a_pdf_with_its_hash(
    setting, settings, django_capture_on_commit_callbacks
):
    start_work(setting)
    notice = issue(setting, capture=django_capture_on_commit_callbacks)

    case = refreshed(setting.case)
    assert case.status == CaseStatus.DECIDED
    assert case.decision == Decision.APPROVED
    assert case.application.status == ApplicationStatus.DECIDED
    pdf = (Path(settings.PRIVATE_MEDIA_ROOT) / notice.pdf_name).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert notice.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    text = pdf_text(pdf)
    assert setting.reference in text
    assert APPLICANT_NAME in text
    assert "Ihrem Antrag wird stattgegeben." in text
    assert REASON in text
    assert "Rechtsbehelfsbelehrung" in text
    assert "BEISPIELTEXT" in text  # the built-in example is marked as such
    # PDF/UA-1: tagged, German, with the title in the metadata.
    objects = pdf_objects(pdf)
    assert "/StructTreeRoot" in objects
    assert "/Lang" in objects
    assert "de" in objects
    assert "pdfuaid" in objects
    # Made available now; deemed delivered on the fourth day after (German calendar).
    made_available = local_date(notice.made_available_at)
    assert notice.deemed_delivered_on == made_available + dt.timedelta(days=4)
    assert notice.first_opened_at is None
    issued = [e for e in events_of(case) if e.kind == CaseEventKind.NOTICE_ISSUED]
    assert len(issued) == 1
    assert issued[0].payload["pdf_sha256"] == notice.pdf_sha256
    assert issued[0].payload["deemed_delivered_on"] == notice.deemed_delivered_on.isoformat()
    assert "notice.issue" in audit_actions(setting.tenant)


def test_the_notice_email_names_the_reference_and_the_day_but_no_personal_data(
    setting, django_capture_on_commit_callbacks
):
    start_work(setting)
    notice = issue(setting, capture=django_capture_on_commit_callbacks)
    (email,) = mail.outbox
    text = f"{email.subject}\n{email.body}"
    assert setting.reference in email.subject
    assert notice.deemed_delivered_on.strftime("%d.%m.%Y") in email.body
    assert f"status/?token={setting.token}" in email.body
    for secret in (APPLICANT_NAME, "Erika", "Mustermann", REASON, "Bello", "stattgegeben"):
        assert secret not in text


def test_a_received_case_is_taken_up_on_the_way_to_the_decision(setting):
    issue(setting, decision=Decision.REJECTED)
    case = refreshed(setting.case)
    assert (case.status, case.decision) == (CaseStatus.DECIDED, Decision.REJECTED)
    changes = [e.payload["to"] for e in events_of(case) if e.kind == CaseEventKind.STATUS_CHANGED]
    assert changes == [CaseStatus.IN_PROGRESS, CaseStatus.DECIDED]


def test_a_case_decided_before_gets_its_notice_and_a_timeline_note(setting):
    start_work(setting)
    case_transition(
        tenant=setting.tenant,
        actor=setting.clerk,
        case=setting.case,
        to=CaseStatus.DECIDED,
        decision=Decision.PARTIAL,
        reason=REASON,
    )
    issue(setting, decision=Decision.PARTIAL)
    notes = list(
        ApplicationEvent.applicant_objects.filter(
            application=setting.application, kind=EventKind.DECIDED
        ).values_list("note", flat=True)
    )
    assert notes[-1] == "Ihr Bescheid liegt in Ihrem Postfach zum Abruf bereit."
    with pytest.raises(TransitionNotAllowed) as refused:
        issue(setting, decision=Decision.APPROVED)
    assert "teilweise bewilligt" in refused.value.message
    assert len(notices_of(setting.case)) == 1


def test_the_same_decision_gets_one_notice_and_a_corrected_one_its_own(setting, settings):
    """A repeated issue (a second click, a retried API call) must not put a second notice
    for the same decision in the mailbox; after a correction the new decision gets one."""
    start_work(setting)
    issue(setting)
    stored = set((Path(settings.PRIVATE_MEDIA_ROOT) / "notices").rglob("*"))
    with pytest.raises(NoticeAlreadyIssued) as refused:
        issue(setting)
    assert isinstance(refused.value, TransitionNotAllowed)
    assert refused.value.code == "notice_already_issued"
    assert "decision" in refused.value.fields
    assert len(notices_of(setting.case)) == 1
    assert set((Path(settings.PRIVATE_MEDIA_ROOT) / "notices").rglob("*")) == stored
    # Correction: back to in progress, decided the same way again: a new notice is due.
    case_transition(
        tenant=setting.tenant, actor=setting.clerk, case=setting.case, to=CaseStatus.IN_PROGRESS
    )
    issue(setting)
    assert len(notices_of(setting.case)) == 2


def test_refusals_store_nothing(setting, settings):
    with pytest.raises(DecisionRequired):
        issue(setting, decision="vielleicht")
    with pytest.raises(ReasonRequired):
        issue(setting, reason="  ")
    for to in (CaseStatus.IN_PROGRESS, CaseStatus.DECIDED, CaseStatus.CLOSED):
        case_transition(
            tenant=setting.tenant,
            actor=None,
            case=setting.case,
            to=to,
            reason=REASON,
            decision=Decision.APPROVED if to == CaseStatus.DECIDED else None,
        )
    with pytest.raises(CaseClosed):
        issue(setting)
    assert notices_of(setting.case) == []
    assert not (Path(settings.PRIVATE_MEDIA_ROOT) / "notices").exists() or not any(
        p.is_file() for p in (Path(settings.PRIVATE_MEDIA_ROOT) / "notices").rglob("*")
    )


def test_the_clerks_edited_text_is_issued(setting, settings):
    start_work(setting)
    notice = issue(
        setting,
        text_override=(
            "## Entscheidung\n\nGenehmigt für {{ applicant_name }}.\n\n## Hinweis\n\nNichts."
        ),
    )
    assert (
        notice.body
        == f"## Entscheidung\n\nGenehmigt für {APPLICANT_NAME}.\n\n## Hinweis\n\nNichts."
    )
    text = pdf_text((Path(settings.PRIVATE_MEDIA_ROOT) / notice.pdf_name).read_bytes())
    assert f"Genehmigt für {APPLICANT_NAME}." in text
    assert "BEISPIELTEXT" not in text


# --- templates -----------------------------------------------------------------------------------


def test_the_members_own_template_wins_over_the_cooperatives_and_the_builtin(setting):
    case = setting.case
    leistung = case.ozg_leistung

    def chosen(decision=Decision.APPROVED):
        return notice_template_for(tenant=setting.tenant, ozg_leistung=leistung, decision=decision)

    assert chosen() is None
    draft = notice_draft(tenant=setting.tenant, case=case, decision=Decision.APPROVED, reason="r")
    assert draft.source == "builtin"
    assert draft.template is None
    cooperative_any = template(setting, tenant=None, title="Genossenschaft")
    assert chosen() == cooperative_any
    cooperative_approved = template(setting, tenant=None, decision=Decision.APPROVED)
    assert chosen() == cooperative_approved
    own_any = template(setting, title="Eigene für alle")
    assert chosen() == own_any
    own_rejected = template(setting, decision=Decision.REJECTED)
    assert chosen(Decision.REJECTED) == own_rejected
    assert chosen() == own_any
    # Another member's template is never used.
    template(setting, tenant=other_tenant(), decision=Decision.PARTIAL, title="Fremd")
    assert chosen(Decision.PARTIAL) == own_any
    draft = notice_draft(tenant=setting.tenant, case=case, decision=Decision.APPROVED, reason="r")
    assert draft.source == "member"
    assert draft.body == f"Text {case.reference}"


def test_placeholders_are_filled_and_unknown_ones_stay_visible(setting):
    template(
        setting,
        title="Bescheid {{ reference }}",
        body="{{ applicant_name }}: {{ decision }} am {{ date }}. {{ unbekannt }} {{ reason }}",
    )
    draft = notice_draft(
        tenant=setting.tenant,
        case=setting.case,
        decision=Decision.PARTIAL,
        reason="weil",
        today=dt.date(2026, 12, 31),
    )
    assert draft.title == f"Bescheid {setting.reference}"
    assert (
        draft.body
        == f"{APPLICANT_NAME}: teilweise bewilligt am 31.12.2026. {{{{ unbekannt }}}} weil"
    )
    assert draft.unknown_placeholders == ["unbekannt"]


def test_the_service_placeholder_is_the_forms_title(setting):
    template(setting, title="{{ service }}", body="Ihr Antrag „{{ service }}“")
    draft = notice_draft(
        tenant=setting.tenant,
        case=setting.case,
        decision=Decision.APPROVED,
        reason="",
        today=dt.date(2026, 12, 31),
    )
    title = setting.case.application.form_version.form.title
    assert draft.title == title
    assert draft.body == f"Ihr Antrag „{title}“"
    assert title != setting.case.ozg_leistung.name


def test_placeholder_values_are_not_templates():
    # A value that looks like a placeholder or template code is inserted as it is.
    assert fill_placeholders("{{ reason }}", {"reason": "{{ reference }} {% debug %}"}) == (
        "{{ reference }} {% debug %}"
    )


def test_text_blocks_make_headings_and_paragraphs():
    blocks = text_blocks("Satz eins\nZeile zwei\n\n\n## Begründung\nText\r\n\r\nEnde")
    assert [(b.kind, b.lines) for b in blocks] == [
        ("paragraph", ("Satz eins", "Zeile zwei")),
        ("heading", ("Begründung",)),
        ("paragraph", ("Text",)),
        ("paragraph", ("Ende",)),
    ]


@pytest.mark.parametrize(
    ("applicant", "lines"),
    [
        (
            {
                "given_name": "Erika",
                "address": {
                    "street": "Breiter Weg",
                    "house_number": "1",
                    "postcode": "39104",
                    "city": "Magdeburg",
                },
            },
            ["Breiter Weg 1", "39104 Magdeburg"],
        ),
        (
            {"address": {"street": "Am Hof", "postcode": "39104", "city": "Magdeburg"}},
            ["Am Hof", "39104 Magdeburg"],
        ),
        ({"name": "Erika"}, []),
        ({"address": "kaputt"}, []),
    ],
)
def test_the_applicant_address_comes_from_the_marked_address_field(applicant, lines):
    assert applicant_address(applicant) == lines


# --- first retrieval -----------------------------------------------------------------------------


def test_the_first_retrieval_by_the_applicant_is_recorded_once(setting):
    notice = issue(setting)
    notice_open(notice=notice, by_applicant=False)
    assert notices_of(setting.case)[0].first_opened_at is None  # a clerk is no retrieval
    notice_open(notice=notice, by_applicant=True)
    first = notices_of(setting.case)[0].first_opened_at
    assert first is not None
    notice_open(notice=notices_of(setting.case)[0], by_applicant=True)
    assert notices_of(setting.case)[0].first_opened_at == first
    opened = [e for e in events_of(setting.case) if e.kind == CaseEventKind.NOTICE_OPENED]
    assert len(opened) == 1
    assert audit_actions(setting.tenant).count("notice.open") == 1
