"""Messages between clerk and applicant: a question moves the case to Rückfrage, chains an
event, shows on the applicant's timeline and sends an e-mail without personal data; the
applicant's answer (text and checked files) moves it back to in Bearbeitung."""

from __future__ import annotations

import logging
import smtplib
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from openkommune.cases.constants import CaseEventKind, CaseStatus, Decision, MessageDirection
from openkommune.cases.errors import CaseClosed, CaseInputInvalid, TransitionNotAllowed
from openkommune.cases.models import Case, MessageAttachment
from openkommune.cases.services import case_transition
from openkommune.cases.services.messaging import (
    message_mark_read,
    message_reply_from_applicant,
    message_send_to_applicant,
)
from openkommune.submissions.constants import ApplicationStatus, EventKind
from openkommune.submissions.models import ApplicationEvent
from openkommune.submissions.services import UploadRejected
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.accounts.factories import UserFactory
from tests.cases.test_messages_support import (  # noqa: F401  (fixtures)
    APPLICANT_EMAIL,
    APPLICANT_NAME,
    QUESTION,
    audit_actions,
    events_of,
    immediate_tasks,
    mailbox_urls,
    make_setting,
    messages_of,
    private_media,
    refreshed,
    stored_files,
)
from tests.clamav import EICAR_FOUND
from tests.submissions.factories import (
    EICAR,
    EXE_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    TEXT_BYTES,
    upload,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_media", "immediate_tasks", "mailbox_urls"),
]


@pytest.fixture
def setting():
    return make_setting()


def ask(setting, text=QUESTION, capture=None, **kw):
    if capture is None:
        return message_send_to_applicant(
            tenant=setting.tenant, actor=setting.clerk, case=setting.case, body=text, **kw
        )
    with capture(execute=True):
        return message_send_to_applicant(
            tenant=setting.tenant, actor=setting.clerk, case=setting.case, body=text, **kw
        )


def timeline(application) -> list[str]:
    return list(
        ApplicationEvent.applicant_objects.filter(application=application)
        .order_by("at", "id")
        .values_list("kind", flat=True)
    )


# --- the clerk asks ------------------------------------------------------------------------------


def test_a_question_moves_the_case_to_rueckfrage_with_event_and_timeline(
    setting, django_capture_on_commit_callbacks
):
    message = ask(setting, capture=django_capture_on_commit_callbacks)

    case = refreshed(setting.case)
    assert case.status == CaseStatus.INFORMATION_REQUESTED
    assert case.application.status == ApplicationStatus.INFORMATION_REQUESTED
    assert message.direction == MessageDirection.TO_APPLICANT
    assert message.sender == setting.clerk
    assert message.body == QUESTION
    kinds = [e.kind for e in events_of(case)]
    # received -> in progress -> Rückfrage (each a chained status change), then the message.
    assert kinds[-3:] == [
        CaseEventKind.STATUS_CHANGED,
        CaseEventKind.STATUS_CHANGED,
        CaseEventKind.MESSAGE_SENT,
    ]
    sent = events_of(case)[-1]
    assert sent.payload == {"message": str(message.public_id), "text": QUESTION}
    assert sent.actor == setting.clerk
    assert EventKind.INFORMATION_REQUESTED in timeline(case.application)
    assert "message.send" in audit_actions(setting.tenant)


def test_the_email_says_a_message_waits_without_personal_data(
    setting, django_capture_on_commit_callbacks
):
    ask(setting, capture=django_capture_on_commit_callbacks, base_url="https://plattform.example/")

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [APPLICANT_EMAIL]
    text = f"{email.subject}\n{email.body}"
    assert setting.reference in text
    assert "liegt eine neue Nachricht vor" in email.body
    # The status link of an anonymous applicant carries the secret token.
    assert (
        f"https://plattform.example/antrag/{setting.reference}/status/?token={setting.token}"
        in (email.body)
    )
    for secret in (APPLICANT_NAME, "Erika", "Mustermann", QUESTION, "Impfpass", "Bello"):
        assert secret not in text
    assert "case_email.sent" in audit_actions(setting.tenant)


def test_the_email_of_an_account_holder_links_without_token(django_capture_on_commit_callbacks):
    user = UserFactory(email="konto@example.org")
    setting = make_setting(user=user)
    ask(setting, capture=django_capture_on_commit_callbacks)
    (email,) = mail.outbox
    assert email.to == ["konto@example.org"]
    assert f"/antrag/{setting.reference}/status/\n" in email.body
    assert "token=" not in email.body


def test_a_second_question_keeps_rueckfrage_and_sends_another_email(
    setting, django_capture_on_commit_callbacks
):
    ask(setting, capture=django_capture_on_commit_callbacks)
    ask(setting, "Und die Chipnummer?", capture=django_capture_on_commit_callbacks)
    case = refreshed(setting.case)
    assert case.status == CaseStatus.INFORMATION_REQUESTED
    assert [e.kind for e in events_of(case)][-2:] == [
        CaseEventKind.MESSAGE_SENT,
        CaseEventKind.MESSAGE_SENT,
    ]
    assert len(mail.outbox) == 2
    assert len(messages_of(case)) == 2


@pytest.mark.parametrize("text", ["", "   \n ", "x" * 10001])
def test_an_empty_or_too_long_question_is_refused_and_changes_nothing(setting, text):
    with pytest.raises(CaseInputInvalid) as refused:
        ask(setting, text)
    assert "body" in refused.value.fields
    assert refreshed(setting.case).status == CaseStatus.RECEIVED
    assert messages_of(setting.case) == []


def test_no_question_on_a_decided_or_closed_case(setting):
    case = setting.case
    for to in (CaseStatus.IN_PROGRESS, CaseStatus.DECIDED):
        case_transition(
            tenant=setting.tenant,
            actor=setting.clerk,
            case=case,
            to=to,
            reason="geprüft",
            decision=Decision.APPROVED if to == CaseStatus.DECIDED else None,
        )
    with pytest.raises(TransitionNotAllowed):
        ask(setting)
    case_transition(tenant=setting.tenant, actor=setting.clerk, case=case, to=CaseStatus.CLOSED)
    with pytest.raises(CaseClosed):
        ask(setting)
    assert messages_of(case) == []


def test_email_is_retried_and_given_up_after_the_last_attempt(
    setting, settings, django_capture_on_commit_callbacks, caplog
):
    class Unreachable(EmailBackend):
        def send_messages(self, messages):
            raise smtplib.SMTPServerDisconnected("Verbindung abgebrochen (Test)")

    globals()["Unreachable"] = Unreachable
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.Unreachable"}}
    with caplog.at_level(logging.WARNING, logger="openkommune.core.outbox"):
        ask(setting, capture=django_capture_on_commit_callbacks)
    actions = audit_actions(setting.tenant)
    assert "case_email.failed" in actions
    assert "case_email.sent" not in actions
    assert sum("given up after 5 attempts" in r.getMessage() for r in caplog.records) == 1
    # The message itself is there: the applicant sees it on the status page.
    assert len(messages_of(setting.case)) == 1


def test_the_failure_record_keeps_no_text_of_the_mail_server(
    setting, settings, django_capture_on_commit_callbacks
):
    """Mail servers quote the recipient in their refusals; the immutable audit record must
    not keep that (it outlives anonymisation): only the error's type."""

    class Refusing(EmailBackend):
        def send_messages(self, messages):
            raise smtplib.SMTPRecipientsRefused(
                {APPLICANT_EMAIL: (550, f"5.1.1 <{APPLICANT_EMAIL}>: user unknown".encode())}
            )

    globals()["Refusing"] = Refusing
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.Refusing"}}
    ask(setting, capture=django_capture_on_commit_callbacks)
    with scopes_disabled():
        record = AuditRecord.objects.get(tenant=setting.tenant, action="case_email.failed")
    assert record.after["error"] == "SMTPRecipientsRefused"
    assert APPLICANT_EMAIL not in str(record.after)
    assert APPLICANT_EMAIL.split("@")[0] not in str(record.after)


# --- the applicant answers -----------------------------------------------------------------------


def test_an_answer_with_a_file_moves_the_case_back_to_in_bearbeitung(setting, settings):
    ask(setting)
    reply = message_reply_from_applicant(
        application=setting.application,
        body="Anbei der Impfpass.",
        files=[upload("impfpass.pdf", PDF_BYTES), upload("bello.png", PNG_BYTES)],
    )
    case = refreshed(setting.case)
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.application.status == ApplicationStatus.IN_PROGRESS
    assert reply.direction == MessageDirection.FROM_APPLICANT
    assert reply.in_reply_to == messages_of(case)[0]
    with scope(tenant=setting.tenant):
        files = list(MessageAttachment.objects.filter(message=reply).order_by("id"))
    assert [(f.original_name, f.content_type) for f in files] == [
        ("impfpass.pdf", "application/pdf"),
        ("bello.png", "image/png"),
    ]
    assert all((Path(settings.PRIVATE_MEDIA_ROOT) / f.storage_name).read_bytes() for f in files)
    received = [e for e in events_of(case) if e.kind == CaseEventKind.MESSAGE_RECEIVED]
    assert len(received) == 1
    assert [a["sha256"] for a in received[0].payload["attachments"]] == [f.sha256 for f in files]
    assert received[0].actor is None  # anonymous applicant
    assert events_of(case)[-1].kind == CaseEventKind.STATUS_CHANGED
    assert EventKind.IN_PROGRESS in timeline(case.application)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("impfpass.pdf", EXE_BYTES, "kann nicht angenommen werden"),
        ("scan.pdf", b"<html><script>alert(1)</script></html>", "kann nicht angenommen werden"),
        ("leer.pdf", b"", "ist leer"),
    ],
)
def test_a_disguised_or_empty_file_is_refused_and_nothing_is_stored(
    setting, settings, name, content, words
):
    ask(setting)
    before = stored_files(Path(settings.PRIVATE_MEDIA_ROOT))
    with pytest.raises(UploadRejected) as refused:
        message_reply_from_applicant(
            application=setting.application,
            body="Anbei.",
            files=[upload("gut.pdf", PDF_BYTES), upload(name, content)],
        )
    assert words in refused.value.message
    assert name in refused.value.message
    assert refused.value.fields == {"files": [refused.value.message]}
    assert (
        stored_files(Path(settings.PRIVATE_MEDIA_ROOT)) == before
    )  # the good file of the same answer is gone too
    assert refreshed(setting.case).status == CaseStatus.INFORMATION_REQUESTED
    assert len(messages_of(setting.case)) == 1


def test_an_oversized_file_is_refused(setting, settings):
    settings.UPLOAD_MAX_SIZE = 1000
    ask(setting)
    with pytest.raises(UploadRejected) as refused:
        message_reply_from_applicant(
            application=setting.application,
            body="",
            files=[upload("gross.pdf", PDF_BYTES + b"%" * 2000)],
        )
    assert "zu groß" in refused.value.message
    assert refreshed(setting.case).status == CaseStatus.INFORMATION_REQUESTED


@pytest.mark.parametrize(
    ("scanner", "content", "message"),
    [
        (
            "clamav",
            EICAR,
            f"In der Datei „x.txt“ wurde Schadsoftware gefunden (ClamAV: {EICAR_FOUND}). "
            "Sie wurde nicht angenommen.",
        ),
        (
            "clamd_away",  # after waiting for it
            TEXT_BYTES,
            "Die Datei „x.txt“ konnte gerade nicht auf Schadsoftware geprüft werden. "
            "Bitte versuchen Sie es in einigen Minuten noch einmal.",
        ),
    ],
)
def test_an_infected_or_unscannable_file_is_refused(
    setting, settings, request, scanner, content, message
):
    request.getfixturevalue(scanner)
    ask(setting)
    before = stored_files(Path(settings.PRIVATE_MEDIA_ROOT))
    with pytest.raises(UploadRejected) as refused:
        message_reply_from_applicant(
            application=setting.application, body="Anbei", files=[upload("x.txt", content)]
        )
    assert refused.value.message == message
    assert stored_files(Path(settings.PRIVATE_MEDIA_ROOT)) == before
    assert len(messages_of(setting.case)) == 1
    assert refreshed(setting.case).status == CaseStatus.INFORMATION_REQUESTED


def test_an_answer_needs_text_or_a_file(setting):
    ask(setting)
    with pytest.raises(CaseInputInvalid) as refused:
        message_reply_from_applicant(application=setting.application, body="  ", files=[])
    assert "body" in refused.value.fields


def test_no_answer_without_a_question(setting):
    with pytest.raises(Case.DoesNotExist):
        message_reply_from_applicant(application=setting.application, body="Hallo?")
    assert messages_of(setting.case) == []


def test_an_answer_on_a_closed_case_is_refused(setting):
    ask(setting)
    case = setting.case
    case_transition(tenant=setting.tenant, actor=None, case=case, to=CaseStatus.IN_PROGRESS)
    case_transition(
        tenant=setting.tenant,
        actor=None,
        case=case,
        to=CaseStatus.DECIDED,
        decision=Decision.REJECTED,
        reason="nein",
    )
    case_transition(tenant=setting.tenant, actor=None, case=case, to=CaseStatus.CLOSED)
    with pytest.raises(CaseClosed):
        message_reply_from_applicant(application=setting.application, body="Doch!")


def test_an_answer_while_in_progress_keeps_the_status(setting):
    ask(setting)
    message_reply_from_applicant(application=setting.application, body="Erste Antwort")
    message_reply_from_applicant(application=setting.application, body="Noch etwas")
    assert refreshed(setting.case).status == CaseStatus.IN_PROGRESS
    assert len(messages_of(setting.case)) == 3


# --- read ----------------------------------------------------------------------------------------


def test_read_marks_are_set_once_and_only_by_the_recipient(setting):
    question = ask(setting)
    # A clerk opening their own question does not mark it read.
    message_mark_read(tenant=setting.tenant, actor=setting.clerk, message=question)
    assert messages_of(setting.case)[0].read_at is None
    message_mark_read(tenant=setting.tenant, actor=None, message=question, by_applicant=True)
    first = messages_of(setting.case)[0].read_at
    assert first is not None
    message_mark_read(tenant=setting.tenant, actor=None, message=question, by_applicant=True)
    assert messages_of(setting.case)[0].read_at == first
    assert audit_actions(setting.tenant).count("message.read") == 1
