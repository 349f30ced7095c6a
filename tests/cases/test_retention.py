"""Retention: dry run, real run, files, audit chain, deletion log, rules and the command."""

import calendar
import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from openkommune.cases.constants import CaseEventKind, CaseStatus, Decision, RetentionAction
from openkommune.cases.models import (
    Case,
    CaseDocument,
    CaseEvent,
    CaseNote,
    DeletionLog,
    Message,
    MessageAttachment,
    Notice,
    RetentionRule,
)
from openkommune.cases.services.audit import verify_chain
from openkommune.cases.services.retention import (
    DEFAULT_RETENTION_MONTHS,
    Rules,
    Source,
    closed_before,
    months_before,
    retention_rule_set,
    retention_run,
)
from openkommune.core.timezone import LOCAL_TZ
from openkommune.submissions.models import Application, ApplicationEvent, Attachment, Draft
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.cases.factories import clerk_of, other_tenant, private_media  # noqa: F401
from tests.delivery.factories import EMAIL, NAME, case_with_files, close, open_case
from tests.submissions.factories import make_offer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

TODAY = datetime.date(2029, 6, 15)


def _at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=LOCAL_TZ)


def _stored_files() -> set[str]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    names = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    return {name for name in names if not name.startswith("tmp/")}


def _snapshot(tenant):
    """Everything retention may touch, as comparable values."""
    with scope(tenant=tenant):
        return {
            "cases": list(Case.objects.order_by("pk").values()),
            "applications": list(Application.objects.order_by("pk").values()),
            "attachments": Attachment.objects.count(),
            "notes": CaseNote.objects.count(),
            "documents": CaseDocument.objects.count(),
            "messages": Message.objects.count(),
            "notices": Notice.objects.count(),
            "events": list(CaseEvent.objects.order_by("sequence").values()),
            "logs": DeletionLog.objects.count(),
        }


@pytest.fixture
def offer():
    return make_offer()


@pytest.fixture
def expired(offer):
    """A case closed 25 months before TODAY (default: 24 months), full of personal data."""
    case = case_with_files(offer)
    return close(case, closed_at=_at(months_before(TODAY, 25)))


@pytest.fixture
def kept(offer):
    """A case of the same service closed 23 months before TODAY: kept."""
    case = case_with_files(offer, name="Max Behalten", email="max@example.org")
    return close(case, closed_at=_at(months_before(TODAY, 23)))


def test_months_before_clamps_to_the_end_of_the_month():
    assert months_before(datetime.date(2029, 3, 31), 1) == datetime.date(2029, 2, 28)
    assert months_before(datetime.date(2029, 1, 15), 13) == datetime.date(2027, 12, 15)
    assert months_before(datetime.date(2028, 2, 29), 12) == datetime.date(2027, 2, 28)


def test_due_exactly_on_the_day_the_period_ends(offer):
    """Closed on 15.06.2027, 24 months: due on 15.06.2029, not on 14.06.2029."""
    case = close(open_case(offer), closed_at=_at(datetime.date(2027, 6, 15)))
    assert retention_run(today=datetime.date(2029, 6, 14), dry_run=True).case_count == 0
    assert retention_run(today=datetime.date(2029, 6, 15), dry_run=True).case_count == 1
    assert case.closed_at < closed_before(datetime.date(2029, 6, 15), 24)


def test_dry_run_counts_per_service_and_changes_nothing(offer, expired, kept):
    files = _stored_files()
    before = _snapshot(offer.tenant)
    report = retention_run(today=TODAY, dry_run=True)
    assert report.dry_run
    assert report.case_count == 1
    (row,) = report.per_service()
    assert row == (offer.tenant.name, offer.leistung.ozg_id, offer.leistung.name, 1)
    (line,) = report.lines
    assert line.action == RetentionAction.ANONYMISED
    assert line.months == DEFAULT_RETENTION_MONTHS
    assert _snapshot(offer.tenant) == before
    assert _stored_files() == files


def test_real_run_anonymises_only_expired_cases(
    offer, expired, kept, django_capture_on_commit_callbacks
):
    kept_before = _snapshot(offer.tenant)["cases"][1]
    application_id = expired.application_id
    with scopes_disabled():
        draft_id = Application.objects.get(pk=application_id).draft_id
    with django_capture_on_commit_callbacks(execute=True):
        report = retention_run(today=TODAY, dry_run=False)
    assert report.case_count == 1
    with scope(tenant=offer.tenant):
        case = Case.objects.get(pk=expired.pk)
        application = Application.objects.get(pk=application_id)
        # Facts that are not personal data stay.
        assert case.status == CaseStatus.CLOSED
        assert case.decision == Decision.APPROVED
        assert case.ozg_leistung_id == offer.leistung.pk
        assert case.anonymised_at is not None
        submitted = expired.submitted_at.astimezone(LOCAL_TZ)
        assert case.submitted_at == datetime.datetime(
            submitted.year, submitted.month, 1, tzinfo=LOCAL_TZ
        )
        # Personal data is gone.
        assert case.applicant_name == ""
        assert case.reference.startswith("ANON-")
        assert NAME.lower() not in case.search_text
        assert application.reference == case.reference
        assert application.data == {}
        assert application.email == ""
        assert application.user_id is None
        assert application.receipt_name == ""
        assert application.status_token_hash == ""
        assert not Draft.objects.filter(pk=draft_id).exists()
        assert not Attachment.objects.filter(application=application).exists()
        assert not CaseNote.objects.filter(case=case).exists()
        assert not CaseDocument.objects.filter(case=case).exists()
        assert not Message.objects.filter(case=case).exists()
        assert not MessageAttachment.objects.filter(message__case=case).exists()
        assert not Notice.objects.filter(case=case).exists()
        assert all(not e.note for e in ApplicationEvent.objects.filter(application=application))
        # The other case is untouched.
        assert Case.objects.filter(pk=kept.pk).values()[0] == kept_before
        events = list(CaseEvent.objects.filter(case_public_id=case.public_id).order_by("sequence"))
    redacted = [e for e in events if e.redacted_at is not None]
    assert redacted
    assert all(e.payload == {} for e in redacted)
    assert events[-1].kind == CaseEventKind.ANONYMISED
    assert NAME not in str([e.payload for e in events])


def test_files_are_deleted_from_storage(offer, expired, kept, django_capture_on_commit_callbacks):
    with scopes_disabled():
        application = Application.objects.get(pk=expired.application_id)
        names = {
            application.receipt_name,
            *Attachment.objects.filter(application=application).values_list(
                "storage_name", flat=True
            ),
            *CaseDocument.objects.filter(case=expired).values_list("storage_name", flat=True),
            *MessageAttachment.objects.filter(message__case=expired).values_list(
                "storage_name", flat=True
            ),
            *Notice.objects.filter(case=expired).values_list("pdf_name", flat=True),
        }
    assert len(names) == 6
    before = _stored_files()
    assert names <= before
    with django_capture_on_commit_callbacks(execute=True):
        retention_run(today=TODAY, dry_run=False)
    after = _stored_files()
    assert not names & after
    # The kept case's files (receipt, 2 attachments, document, message file, notice) stay.
    assert after == before - names
    assert len(after) == 6


def test_files_stay_when_the_transaction_rolls_back(offer, expired):
    """Files are deleted on commit only: without a commit (captured, not executed) they stay."""
    before = _stored_files()
    retention_run(today=TODAY, dry_run=False)
    assert _stored_files() == before


def test_audit_chain_still_verifies(offer, expired, kept):
    assert verify_chain(offer.tenant).ok
    retention_run(today=TODAY, dry_run=False)
    report = verify_chain(offer.tenant)
    assert report.ok, report.message
    assert report.redacted > 0


def test_deletion_log_has_counts_and_no_personal_data(offer, expired, kept):
    reference = expired.reference
    report = retention_run(today=TODAY, dry_run=False)
    with scope(tenant=offer.tenant):
        (log,) = DeletionLog.objects.all()
        values = DeletionLog.objects.values().get()
    assert log.case_count == 1
    assert log.ozg_id == offer.leistung.ozg_id
    assert log.action == RetentionAction.ANONYMISED
    assert log.retention_months == DEFAULT_RETENTION_MONTHS
    assert log.run_on == TODAY
    assert log.run_id == report.run_id
    assert not log.dry_run
    assert log.submitted_month.day == 1
    text = str(values)
    for personal in (reference, NAME, "Erika", "Mustermann", EMAIL, "Max Behalten", kept.reference):
        assert personal not in text


def test_second_run_does_nothing(offer, expired):
    retention_run(today=TODAY, dry_run=False)
    before = _snapshot(offer.tenant)
    report = retention_run(today=TODAY, dry_run=False)
    assert report.case_count == 0
    assert _snapshot(offer.tenant) == before


def test_cases_not_closed_are_never_due(offer):
    decided = open_case(offer)
    from openkommune.cases.services import case_transition

    case_transition(tenant=offer.tenant, actor=None, case=decided, to=CaseStatus.IN_PROGRESS)
    assert retention_run(today=datetime.date(2099, 1, 1), dry_run=True).case_count == 0


def test_member_rule_for_the_service_wins_and_delete_removes_the_case(
    offer, expired, kept, django_capture_on_commit_callbacks
):
    admin = clerk_of(offer.tenant, role=Role.MEMBER_ADMIN)
    rule = retention_rule_set(
        tenant=offer.tenant,
        actor=admin,
        ozg_leistung=offer.leistung,
        months=6,
        action=RetentionAction.DELETED,
    )
    assert Rules(offer.tenant).policy(offer.leistung.pk).source == Source.SERVICE
    kept_public_id = kept.public_id
    with django_capture_on_commit_callbacks(execute=True):
        report = retention_run(today=TODAY, dry_run=False)
    assert report.case_count == 2
    with scope(tenant=offer.tenant):
        assert not Case.objects.exists()
        assert not Application.objects.exists()
        logs = list(DeletionLog.objects.all())
        events = list(CaseEvent.objects.filter(case_public_id=kept_public_id))
    assert {log.rule_id for log in logs} == {rule.pk}
    assert {log.action for log in logs} == {RetentionAction.DELETED}
    assert sum(log.case_count for log in logs) == 2
    assert events[-1].kind == CaseEventKind.DELETED
    assert all(e.case_id is None for e in events)
    assert verify_chain(offer.tenant).ok


def test_rule_resolution_order(offer):
    tenant = offer.tenant
    assert Rules(tenant).policy(offer.leistung.pk).source == Source.BUILT_IN
    RetentionRule.all_objects.create(tenant=None, ozg_leistung=None, months=60)
    assert Rules(tenant).policy(offer.leistung.pk).months == 60
    RetentionRule.all_objects.create(tenant=None, ozg_leistung=offer.leistung, months=48)
    assert Rules(tenant).policy(offer.leistung.pk).source == Source.COOPERATIVE_SERVICE
    retention_rule_set(tenant=tenant, actor=None, ozg_leistung=None, months=36)
    assert Rules(tenant).policy(offer.leistung.pk).source == Source.MEMBER
    retention_rule_set(tenant=tenant, actor=None, ozg_leistung=offer.leistung, months=12)
    policy = Rules(tenant).policy(offer.leistung.pk)
    assert (policy.months, policy.source) == (12, Source.SERVICE)
    # Another member's rule is not ours.
    stranger = other_tenant()
    retention_rule_set(tenant=stranger, actor=None, ozg_leistung=offer.leistung, months=1)
    assert Rules(tenant).policy(offer.leistung.pk).months == 12
    # Removing ours falls back to the next rule.
    retention_rule_set(tenant=tenant, actor=None, ozg_leistung=offer.leistung, months=None)
    assert Rules(tenant).policy(offer.leistung.pk).months == 36


def test_rule_set_is_audited_and_checked(offer):
    tenant = offer.tenant
    admin = clerk_of(tenant, role=Role.MEMBER_ADMIN)
    retention_rule_set(tenant=tenant, actor=admin, ozg_leistung=offer.leistung, months=30)
    retention_rule_set(tenant=tenant, actor=admin, ozg_leistung=offer.leistung, months=30)
    retention_rule_set(tenant=tenant, actor=admin, ozg_leistung=offer.leistung, months=None)
    with scope(tenant=tenant):
        actions = list(
            AuditRecord.objects.filter(object_type="cases.retentionrule")
            .order_by("id")
            .values_list("action", flat=True)
        )
    assert actions == ["retention_rule.create", "retention_rule.delete"]
    with pytest.raises(PermissionDenied):
        retention_rule_set(
            tenant=tenant, actor=clerk_of(tenant), ozg_leistung=offer.leistung, months=3
        )
    with pytest.raises(PermissionDenied):
        retention_rule_set(
            tenant=tenant,
            actor=clerk_of(other_tenant(), role=Role.MEMBER_ADMIN),
            ozg_leistung=offer.leistung,
            months=3,
        )
    for months in (0, 1201):
        with pytest.raises(ValidationError):
            retention_rule_set(
                tenant=tenant, actor=admin, ozg_leistung=offer.leistung, months=months
            )


def test_other_tenants_cases_follow_their_own_rules(offer, expired):
    stranger = other_tenant()
    retention_rule_set(tenant=stranger, actor=None, ozg_leistung=None, months=1)
    # Our case closed 25 months ago is due under our default, nothing of the stranger's.
    report = retention_run(today=TODAY, dry_run=True)
    assert {line.tenant for line in report.lines} == {offer.tenant}


def test_command_dry_run_and_real(offer, expired, kept, django_capture_on_commit_callbacks):
    out = StringIO()
    call_command("run_retention", "--dry-run", "--today", TODAY.isoformat(), stdout=out)
    text = out.getvalue()
    assert "Probelauf" in text
    assert f"{offer.leistung.ozg_id} {offer.leistung.name}: 1 fällig" in text
    with scope(tenant=offer.tenant):
        assert not DeletionLog.objects.exists()
        assert not Case.objects.filter(anonymised_at__isnull=False).exists()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_retention", "--today", TODAY.isoformat(), stdout=out)
    assert "1 erledigt" in out.getvalue()
    out = StringIO()
    call_command("run_retention", "--today", TODAY.isoformat(), stdout=out)
    assert "Keine fälligen Vorgänge." in out.getvalue()


def test_command_output_goes_through_gettext(offer, expired, monkeypatch):
    """Its texts are translatable: each one passes `gettext` (marked here)."""
    from openkommune.cases.management.commands import run_retention

    monkeypatch.setattr(run_retention, "_", lambda text: f"«{text}»")
    out = StringIO()
    call_command("run_retention", "--dry-run", "--today", TODAY.isoformat(), stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line]
    # The day, the service, the total, the login data, the sessions, BundID login data, the
    # contact messages.
    assert len(lines) == 7
    assert all(line.startswith("«") for line in lines)


def test_command_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--today"):
        call_command("run_retention", "--today", "15.06.2029")


def test_the_task_runs_the_retention(offer, expired, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    # The task uses today's date: a case closed 25 months before today is due.
    import django.utils.timezone as tz

    from openkommune.cases.tasks import run_retention_daily

    today = tz.localdate()
    with scope(tenant=offer.tenant):
        Case.objects.filter(pk=expired.pk).update(closed_at=_at(months_before(today, 25)))
    result = run_retention_daily.enqueue()
    assert result.return_value["cases"] == 1
    with scope(tenant=offer.tenant):
        assert Case.objects.get(pk=expired.pk).anonymised_at is not None


@given(
    day=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2200, 12, 31)),
    months=st.integers(min_value=0, max_value=1200),
)
def test_months_before_is_the_same_day_or_the_months_last(day, months):
    earlier = months_before(day, months)
    assert (day.year * 12 + day.month) - (earlier.year * 12 + earlier.month) == months
    last = calendar.monthrange(earlier.year, earlier.month)[1]
    assert earlier.day == min(day.day, last)
