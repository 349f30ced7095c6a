"""Writing the use statistics (ADR 0036): a saved step leaves one `StepEvent` without any
person or answer; once a day the days before today are counted into `UsageCount` and their
events deleted. Starts and completions come from the drafts and applications that exist
anyway (counted, never copied)."""

from __future__ import annotations

import datetime
import logging
import re
from collections import defaultdict

from django.db import DatabaseError, transaction
from django.db.models import Count
from django.utils import timezone

from openkommune.core.timezone import LOCAL_TZ
from openkommune.formstats.constants import CATCH_UP_DAYS, STEP_SECONDS_CAP, Metric
from openkommune.formstats.models import AggregatedDay, StepEvent, UsageCount
from openkommune.submissions.models import Application, Draft
from openkommune.tenancy.scoping import scope, scopes_disabled

logger = logging.getLogger(__name__)
_ENTRY_INDEX = re.compile(r"\.[0-9]{1,4}(?=\.|$)")


def field_of(path: str) -> str:
    """A data path without entry indexes (`hunde.0.name` → `hunde.name`): errors of every
    entry count for the field, and no path points at one applicant's entry."""
    return _ENTRY_INDEX.sub("", path)[:300]


def step_saved(draft, step_id: str, seconds: int, error_paths: list[str]) -> None:
    """The hook of `submissions` (`register_step_saved`): one event for the step, with the
    fields that got an error (each once). No draft, person or answer is recorded. A failure
    here never reaches the applicant: the step is saved already; the event is lost."""
    version = draft.form_version
    fields = sorted({field_of(path) for path in error_paths if path != "__all__"})
    try:
        # Its own savepoint: a failed insert leaves a caller's transaction usable.
        with transaction.atomic(), scope(tenant=draft.tenant_id):
            StepEvent.objects.create(
                tenant_id=draft.tenant_id,
                day=timezone.localdate(),
                form_key=version.form.key,
                version_number=version.number,
                step_id=step_id[:63],
                seconds=min(seconds, STEP_SECONDS_CAP),
                error_fields=fields[:200],
            )
    except DatabaseError:
        logger.warning(
            "Use statistics: the step event of %s was not stored", version, exc_info=True
        )


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=LOCAL_TZ)
    return start, start + datetime.timedelta(days=1)


def _count_rows(day: datetime.date) -> list[UsageCount]:
    start, end = _day_bounds(day)
    rows: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for model, field, metric in (
        (Draft, "created_at", Metric.START),
        (Application, "submitted_at", Metric.COMPLETE),
    ):
        grouped = (
            model.objects.filter(**{f"{field}__gte": start, f"{field}__lt": end})
            .values("tenant_id", "form_version__form__key", "form_version__number")
            .annotate(n=Count("id"))
            .order_by()
        )
        for item in grouped:
            key = (
                item["tenant_id"],
                item["form_version__form__key"],
                item["form_version__number"],
                metric,
                "",
                "",
            )
            rows[key][0] += item["n"]
    for event in StepEvent.objects.filter(day=day).iterator():
        base = (event.tenant_id, event.form_key, event.version_number)
        step = rows[(*base, Metric.STEP, event.step_id, "")]
        step[0] += 1
        step[1] += event.seconds
        for field in event.error_fields:
            rows[(*base, Metric.ERROR, event.step_id, field)][0] += 1
    return [
        UsageCount(
            tenant_id=tenant_id,
            day=day,
            form_key=form_key,
            version_number=number,
            metric=metric,
            step_id=step_id,
            field_path=field_path,
            count=count,
            seconds_total=seconds,
        )
        for (tenant_id, form_key, number, metric, step_id, field_path), (
            count,
            seconds,
        ) in rows.items()
    ]


def usage_aggregate_day(day: datetime.date) -> int:
    """Count one finished day (idempotent: a counted day is skipped) and delete its step
    events. Returns the number of count rows written."""
    with transaction.atomic(), scopes_disabled():
        _marker, created = AggregatedDay.objects.select_for_update().get_or_create(day=day)
        if not created:
            StepEvent.objects.filter(day__lte=day).delete()  # late events of a counted day
            return 0
        rows = _count_rows(day)
        UsageCount.objects.bulk_create(rows, batch_size=500)
        StepEvent.objects.filter(day__lte=day).delete()
    return len(rows)


def usage_aggregate(today: datetime.date | None = None) -> str:
    """The periodic job: every day before today not yet counted (at most `CATCH_UP_DAYS`
    back), oldest first."""
    today = today or timezone.localdate()
    written = 0
    days = 0
    for back in range(CATCH_UP_DAYS, 0, -1):
        day = today - datetime.timedelta(days=back)
        if AggregatedDay.objects.filter(day=day).exists():
            continue
        written += usage_aggregate_day(day)
        days += 1
    return f"days={days} rows={written}"
