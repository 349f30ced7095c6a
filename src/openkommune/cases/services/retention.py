"""Retention: which closed cases have been kept long enough, and deleting or anonymising them.

The period of a case is the first rule found (most specific first):

1. the member's rule for the case's service,
2. the member's rule for all its services (`ozg_leistung` empty),
3. the cooperative's rule for the service (`tenant` empty),
4. the cooperative's rule for all services (both empty),
5. `DEFAULT_RETENTION_MONTHS` after closing, anonymised — a default the platform ships so
   that nothing is kept for ever; each member must review it against its own
   records-retention rules (Aktenordnung, Aufbewahrungsfristen of the Land).

A case is due when it is closed (`abgeschlossen`) and its closing day (German calendar) lies
`months` or more before `today`. Only closed cases: a decided case still awaiting closing, a
dormant one or one in progress keeps everything.

Anonymising keeps the facts that are not personal data — organisation, service, month of
submission, status, decision — and removes everything else: the application's data and
e-mail, the e-mails owed to the applicant (outbox rows, with their addresses), the link to
the applicant's account, the receipt, the attachments, the draft, the notes, documents,
messages and notices (their files are deleted from storage after the commit), the timeline's
notes, and the payloads of the case's audit events (their hashes stay, so `verify_audit`
still verifies the chain). The reference number is replaced by a neutral one and the
applicant's name is emptied. Deleting removes the case and the application as well; the
audit events stay, with empty payloads.

`DeletionLog` gets one line per run, organisation, service and month of submission: counts
only, no reference, no name, no address. A dry run computes the same lines and writes
nothing at all.
"""

from __future__ import annotations

import calendar
import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openkommune.cases.constants import CaseEventKind, CaseStatus, RetentionAction
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
from openkommune.cases.services import audit
from openkommune.cases.services.service_settings import OwnSetting, check_settings_actor
from openkommune.core import outbox
from openkommune.core.files import delete_private
from openkommune.core.timezone import LOCAL_TZ, local_start_of_day
from openkommune.payments.selectors import fee_notices_for_application
from openkommune.submissions.models import (
    Application,
    ApplicationEvent,
    Attachment,
    Draft,
)
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scope

DEFAULT_RETENTION_MONTHS = 24
DEFAULT_RETENTION_ACTION = RetentionAction.ANONYMISED
MAX_RETENTION_MONTHS = 1200  # 100 years: beyond that a typo is more likely than a rule
# Cases per transaction: each transaction holds the tenant's audit-chain lock, so clerks of
# that organisation wait at most for one batch.
BATCH_SIZE = 100
ANONYMOUS_REFERENCE_PREFIX = "ANON-"


# --- rules ---------------------------------------------------------------------------------


class Source:
    SERVICE = "service"  # the member's rule for this service
    MEMBER = "member"  # the member's rule for all services
    COOPERATIVE_SERVICE = "cooperative_service"
    COOPERATIVE = "cooperative"
    BUILT_IN = "built_in"


SOURCE_LABELS = {
    Source.SERVICE: gettext_lazy("eigene Regel für diese Leistung"),
    Source.MEMBER: gettext_lazy("eigene Regel für alle Leistungen"),
    Source.COOPERATIVE_SERVICE: gettext_lazy("Vorgabe der Genossenschaft für diese Leistung"),
    Source.COOPERATIVE: gettext_lazy("Vorgabe der Genossenschaft"),
    Source.BUILT_IN: gettext_lazy("Standard der Plattform (bitte prüfen)"),
}


@dataclass(frozen=True)
class Policy:
    months: int
    action: str
    rule: RetentionRule | None
    source: str

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS[self.source])

    @property
    def action_label(self) -> str:
        return str(RetentionAction(self.action).label)


class Rules:
    """The rules that apply to one tenant (its own and the cooperative's), read once."""

    def __init__(self, tenant: Organisation):
        rows = RetentionRule.all_objects.filter(Q(tenant=tenant) | Q(tenant__isnull=True))
        self._rows = {(row.tenant_id is not None, row.ozg_leistung_id): row for row in rows}

    def own(self, ozg_leistung_id: int | None) -> RetentionRule | None:
        return self._rows.get((True, ozg_leistung_id))

    def policy(self, ozg_leistung_id: int) -> Policy:
        for own, service, source in (
            (True, ozg_leistung_id, Source.SERVICE),
            (True, None, Source.MEMBER),
            (False, ozg_leistung_id, Source.COOPERATIVE_SERVICE),
            (False, None, Source.COOPERATIVE),
        ):
            row = self._rows.get((own, service))
            if row is not None:
                return Policy(row.months, row.action, row, source)
        return Policy(DEFAULT_RETENTION_MONTHS, DEFAULT_RETENTION_ACTION, None, Source.BUILT_IN)

    def replaced(self, ozg_leistung_id: int | None, months: int | None, action: str) -> Rules:
        """These rules with the member's own rule for the service (or for all) replaced, or
        removed (`months=None`): what a change on the settings page would lead to."""
        copy = Rules.__new__(Rules)
        copy._rows = dict(self._rows)
        if months is None:
            copy._rows.pop((True, ozg_leistung_id), None)
        else:
            copy._rows[(True, ozg_leistung_id)] = RetentionRule(
                ozg_leistung_id=ozg_leistung_id, months=months, action=action
            )
        return copy

    def fallback(self) -> Policy:
        """What applies to a service without a rule of its own (for the settings page)."""
        return self.policy(-1)


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same calendar day `months` earlier (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return local_start_of_day(day)


def closed_before(today: datetime.date, months: int) -> datetime.datetime:
    """Cases closed before this moment are due: closed on or before the day `months` ago."""
    return _start_of_day(months_before(today, months) + datetime.timedelta(days=1))


def _month_start(moment: datetime.datetime) -> datetime.datetime:
    local = moment.astimezone(LOCAL_TZ)
    return datetime.datetime(local.year, local.month, 1, tzinfo=LOCAL_TZ)


# --- what is due ---------------------------------------------------------------------------


@dataclass
class ReportLine:
    tenant: Organisation
    ozg_id: str
    service_name: str
    submitted_month: datetime.date
    action: str
    months: int
    rule: RetentionRule | None
    case_count: int = 0

    @property
    def action_label(self) -> str:
        return str(RetentionAction(self.action).label)


@dataclass
class RetentionReport:
    today: datetime.date
    dry_run: bool
    run_id: uuid.UUID = field(default_factory=uuid.uuid4)
    lines: list[ReportLine] = field(default_factory=list)

    @property
    def case_count(self) -> int:
        return sum(line.case_count for line in self.lines)

    def per_service(self) -> list[tuple[str, str, str, int]]:
        """(organisation, OZG-ID, service, cases) summed over the months."""
        totals: dict[tuple[str, str, str], int] = defaultdict(int)
        for line in self.lines:
            totals[(line.tenant.name, line.ozg_id, line.service_name)] += line.case_count
        return [(*key, count) for key, count in sorted(totals.items())]


def _due_cases(tenant: Organisation, today: datetime.date, rules: Rules):
    """(policy, queryset of due cases) per service of the tenant's closed cases."""
    closed = Case.objects.filter(
        tenant=tenant,
        status=CaseStatus.CLOSED,
        closed_at__isnull=False,
        anonymised_at__isnull=True,
    )
    services = closed.order_by().values_list("ozg_leistung_id", flat=True).distinct()
    for ozg_leistung_id in sorted(set(services)):
        policy = rules.policy(ozg_leistung_id)
        due = closed.filter(
            ozg_leistung_id=ozg_leistung_id, closed_at__lt=closed_before(today, policy.months)
        )
        yield policy, due


def tenant_due_lines(
    *, tenant: Organisation, today: datetime.date, rules: Rules | None = None
) -> list[ReportLine]:
    """What a run on `today` would do for `tenant`, per service and month of submission."""
    rules = rules or Rules(tenant)
    lines: dict[tuple[str, datetime.date], ReportLine] = {}
    with scope(tenant=tenant):
        for policy, due in _due_cases(tenant, today, rules):
            rows = due.values_list("submitted_at", "ozg_leistung__ozg_id", "ozg_leistung__name")
            for submitted_at, ozg_id, name in rows.iterator():
                month = _month_start(submitted_at).date()
                line = lines.get((ozg_id, month))
                if line is None:
                    line = lines[(ozg_id, month)] = ReportLine(
                        tenant, ozg_id, name, month, policy.action, policy.months, policy.rule
                    )
                line.case_count += 1
    return sorted(lines.values(), key=lambda line: (line.ozg_id, line.submitted_month))


# --- the run -------------------------------------------------------------------------------


def retention_run(
    *, today: datetime.date, dry_run: bool, tenants=None, actor=None
) -> RetentionReport:
    """Delete or anonymise every due case of every (or the given) organisation.

    Idempotent: a case handled once is no longer due. A dry run changes nothing."""
    report = RetentionReport(today=today, dry_run=dry_run)
    organisations = tenants if tenants is not None else Organisation.objects.order_by("pk")
    for tenant in organisations:
        rules = Rules(tenant)
        lines = tenant_due_lines(tenant=tenant, today=today, rules=rules)
        if dry_run:
            report.lines.extend(lines)
            continue
        report.lines.extend(_apply(tenant, today, rules, report.run_id, actor))
    return report


def _apply(tenant, today, rules: Rules, run_id, actor) -> list[ReportLine]:
    done: dict[tuple[str, datetime.date], ReportLine] = {}
    with scope(tenant=tenant):
        for policy, due in _due_cases(tenant, today, rules):
            handled: set[int] = set()
            while True:
                # Re-query each batch: handled cases are no longer due (anonymised or gone).
                batch = list(due.select_related("ozg_leistung").order_by("pk")[:BATCH_SIZE])
                if not batch:
                    break
                if handled & {case.pk for case in batch}:
                    raise RuntimeError("Retention handled a case that is still due.")
                handled |= {case.pk for case in batch}
                _apply_batch(tenant, batch, policy, today, run_id, actor, done)
    return sorted(done.values(), key=lambda line: (line.ozg_id, line.submitted_month))


@transaction.atomic
def _apply_batch(tenant, batch, policy: Policy, today, run_id, actor, done) -> None:
    files: list[str] = []
    counts: dict[datetime.date, int] = defaultdict(int)
    for case in batch:
        counts[_month_start(case.submitted_at).date()] += 1
        files += _erase_case(tenant, case, policy, actor)
    ozg = batch[0].ozg_leistung
    for month, count in counts.items():
        line = done.get((ozg.ozg_id, month))
        if line is None:
            line = done[(ozg.ozg_id, month)] = ReportLine(
                tenant, ozg.ozg_id, ozg.name, month, policy.action, policy.months, policy.rule
            )
            DeletionLog.objects.create(
                tenant=tenant,
                run_id=run_id,
                run_on=today,
                ozg_id=ozg.ozg_id,
                submitted_month=month,
                case_count=count,
                action=policy.action,
                rule=policy.rule,
                retention_months=policy.months,
                dry_run=False,
            )
        else:
            DeletionLog.objects.filter(
                tenant=tenant, run_id=run_id, ozg_id=ozg.ozg_id, submitted_month=month
            ).update(case_count=F("case_count") + count)
        line.case_count += count
    # Files go only once the database no longer points at them; a rollback keeps them.
    transaction.on_commit(lambda: _delete_files(files))


def _delete_files(names: list[str]) -> None:
    for name in names:
        delete_private(name)


def anonymous_reference(case: Case) -> str:
    """A neutral, unique stand-in for the reference number (at most 20 characters)."""
    return f"{ANONYMOUS_REFERENCE_PREFIX}{case.public_id.hex[:15].upper()}"


def _erase_case(tenant, case: Case, policy: Policy, actor) -> list[str]:
    """Remove the personal data of one case (and with `deleted` the case itself); returns the
    storage names of the files to delete after the commit."""
    files: list[str] = []
    application = Application.objects.select_for_update().get(pk=case.application_id)

    for notice in Notice.objects.filter(case=case):
        files.append(notice.pdf_name)
    Notice.objects.filter(case=case).delete()
    for attachment in MessageAttachment.objects.filter(message__case=case):
        files.append(attachment.storage_name)
    MessageAttachment.objects.filter(message__case=case).delete()
    Message.objects.filter(case=case).update(in_reply_to=None)
    Message.objects.filter(case=case).delete()
    for document in CaseDocument.objects.filter(case=case):
        files.append(document.storage_name)
    CaseDocument.objects.filter(case=case).delete()
    CaseNote.objects.filter(case=case).delete()

    draft_id = application.draft_id
    # Never `Q(draft_id=None)`: that would match every row without a draft.
    own = Q(application=application) | (Q(draft_id=draft_id) if draft_id else Q(pk__in=[]))
    attachments = Attachment.objects.filter(own)
    files += [a.storage_name for a in attachments if a.storage_name]
    attachments.delete()
    # The e-mails with the applicant's address: those about the application and its fee
    # notices here (a notice is kept, without its application when that is deleted), those
    # about the draft, the messages and the notices go with them (`GenericRelation`).
    outbox.forget([application, *fee_notices_for_application(application)])
    if draft_id is not None:
        Draft.objects.filter(pk=draft_id).delete()
    if application.receipt_name:
        files.append(application.receipt_name)

    events = list(CaseEvent.objects.filter(case_public_id=case.public_id).order_by("sequence"))
    audit.redact_events(events, actor=actor)
    facts = {"retention_months": policy.months, "action": policy.action}

    if policy.action == RetentionAction.DELETED:
        public_id = case.public_id
        case.delete()
        application.delete()  # its timeline (ApplicationEvent) goes with it
        audit.append_event(
            tenant=tenant,
            kind=CaseEventKind.DELETED,
            actor=actor,
            case_public_id=public_id,
            payload=facts,
        )
        return files

    month = _month_start(case.submitted_at)
    closed_month = _month_start(case.closed_at) if case.closed_at else month
    reference = anonymous_reference(case)
    ApplicationEvent.objects.filter(application=application).update(note="")
    Application.objects.filter(pk=application.pk).update(
        reference=reference,
        draft=None,
        data={},
        user=None,
        email="",
        status_token_salt="",
        status_token_hash="",
        receipt_name="",
        receipt_pending=False,
        submitted_at=month,
        created_at=month,
        updated_at=timezone.now(),
    )
    case.reference = reference
    case.applicant_name = ""
    case.assigned_to = None
    case.follow_up_on = None
    case.due_on = None
    case.submitted_at = month
    case.created_at = month
    case.closed_at = closed_month
    case.status_changed_at = closed_month
    case.anonymised_at = timezone.now()
    case.save()
    audit.append_event(
        tenant=tenant, kind=CaseEventKind.ANONYMISED, actor=actor, case=case, payload=facts
    )
    return files


# --- settings of the member ----------------------------------------------------------------

RULE_FIELDS = ("ozg_leistung", "months", "action")


RULE = OwnSetting(RetentionRule, "retention_rule", ("months", "action"), stamp=True)


@transaction.atomic
def retention_rule_set(
    *, tenant: Organisation | None, actor, ozg_leistung, months: int | None, action: str = ""
) -> RetentionRule | None:
    """Set the member's period for one service (`ozg_leistung`) or for all its services
    (`ozg_leistung=None`); `months=None` removes the member's own rule, so the next more
    general rule applies. `tenant=None`: the cooperative's rule (the admin of its staff).
    Member administrators (for their member) or cooperative staff (for the cooperative's
    rules) only; audited. No change, no record."""
    check_settings_actor(
        actor, tenant, refusal=_("Nur die Mitgliedsverwaltung legt Aufbewahrungsfristen fest.")
    )
    if months is not None and not 1 <= months <= MAX_RETENTION_MONTHS:
        raise ValidationError(
            {"months": _("Bitte eine Zahl von 1 bis %(n)d angeben.") % {"n": MAX_RETENTION_MONTHS}}
        )
    action = action or DEFAULT_RETENTION_ACTION
    if action not in RetentionAction.values:
        raise ValidationError({"action": _("Bitte wählen Sie, was danach geschieht.")})
    values = None if months is None else {"months": months, "action": action}
    rule = RULE.put(
        tenant=tenant, actor=actor, lookup={"ozg_leistung": ozg_leistung}, values=values
    )
    return None if months is None else rule
