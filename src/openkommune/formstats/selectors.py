"""Reading the use statistics (ADR 0036). Every number leaves here already suppressed when it
is below `SMALL_COUNT_LIMIT` (a `Count` with `value=None`), so no page can show one; an
average time is given only over at least that many saves. `…_across_members` crosses tenants
on purpose (cooperative staff only); the member's variants read only its own rows."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum

from openkommune.forms.models import FormDefinition
from openkommune.formstats.constants import SMALL_COUNT_LIMIT, Metric
from openkommune.formstats.models import UsageCount
from openkommune.tenancy.scoping import scope, scopes_disabled

PERIODS = (7, 30, 90, 365)
TOP_FIELDS = 10


@dataclass(frozen=True)
class Count:
    value: int | None  # None: suppressed (1 to SMALL_COUNT_LIMIT - 1)

    @property
    def suppressed(self) -> bool:
        return self.value is None


def suppress(value: int) -> Count:
    return Count(None if 0 < value < SMALL_COUNT_LIMIT else value)


@dataclass(frozen=True)
class FormUsage:
    form_key: str
    title: str
    starts: Count
    completions: Count
    # Percent of starts that were submitted, only when both counts are shown.
    completion_rate: int | None


@dataclass(frozen=True)
class StepUsage:
    step_id: str
    title: str
    saves: Count
    average_seconds: int | None


@dataclass(frozen=True)
class FieldErrors:
    step_id: str
    field_path: str
    label: str
    errors: Count


@dataclass(frozen=True)
class FormDetail:
    form_key: str
    title: str
    starts: Count
    completions: Count
    steps: list[StepUsage]
    fields: list[FieldErrors]


def period_start(days: int, today: datetime.date | None = None) -> datetime.date:
    from django.utils import timezone

    return (today or timezone.localdate()) - datetime.timedelta(days=days)


def _read(tenant, fn):
    if tenant is None:
        with scopes_disabled():
            return fn()
    with scope(tenant=tenant):
        return fn()


def _titles() -> dict[str, str]:
    return dict(FormDefinition.objects.values_list("key", "title"))


def _form_rows(since: datetime.date) -> list[FormUsage]:
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    grouped = (
        UsageCount.objects.filter(day__gte=since, metric__in=[Metric.START, Metric.COMPLETE])
        .values("form_key", "metric")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for item in grouped:
        totals[item["form_key"]][item["metric"]] += item["n"]
    titles = _titles()
    out = []
    for key in sorted(totals, key=lambda k: titles.get(k, k)):
        starts = suppress(totals[key][Metric.START])
        completions = suppress(totals[key][Metric.COMPLETE])
        rate = None
        if starts.value and completions.value is not None:
            rate = round(100 * completions.value / starts.value)
        out.append(FormUsage(key, titles.get(key, key), starts, completions, rate))
    return out


def form_usage_across_members(*, since: datetime.date) -> list[FormUsage]:
    """Starts, completions and completion rate per form over all members (staff)."""
    return _read(None, lambda: _form_rows(since))


def form_usage_of_member(*, tenant, since: datetime.date) -> list[FormUsage]:
    """The same for the applications of one member only."""
    return _read(tenant, lambda: _form_rows(since))


def _labels(form_key: str) -> tuple[dict[str, str], dict[str, str]]:
    """Titles of the steps and labels of the fields, from the newest version of the form."""
    form = FormDefinition.objects.filter(key=form_key).first()
    version = form.versions.order_by("-number").first() if form else None
    steps, fields = {}, {}
    if version is None:
        return steps, fields

    def walk(items, prefix=""):
        for item in items:
            path = prefix + item["id"]
            if item.get("kind") == "group":
                fields[path] = item.get("title", path)
                walk(item.get("items", []), path + ".")
            else:
                fields[path] = item.get("label", path)

    for step in version.definition.get("steps", []):
        steps[step["id"]] = step.get("title", step["id"])
        walk(step.get("items", []))
    return steps, fields


def _field_label(fields: dict[str, str], path: str) -> str:
    if path in fields:
        return fields[path]
    parent, _dot, part = path.rpartition(".")
    if parent in fields:  # an address part: street, postcode …
        return f"{fields[parent]} ({part})"
    return path


def _detail(form_key: str, since: datetime.date) -> FormDetail:
    rows = UsageCount.objects.filter(day__gte=since, form_key=form_key)
    totals = defaultdict(int)
    steps: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    errors: dict[tuple[str, str], int] = defaultdict(int)
    for item in (
        rows.values("metric", "step_id", "field_path")
        .annotate(n=Sum("count"), seconds=Sum("seconds_total"))
        .order_by()
    ):
        metric = item["metric"]
        if metric in (Metric.START, Metric.COMPLETE):
            totals[metric] += item["n"]
        elif metric == Metric.STEP:
            steps[item["step_id"]][0] += item["n"]
            steps[item["step_id"]][1] += item["seconds"] or 0
        elif metric == Metric.ERROR:
            errors[(item["step_id"], item["field_path"])] += item["n"]
    step_titles, field_labels = _labels(form_key)
    order = {step_id: index for index, step_id in enumerate(step_titles)}
    step_rows = []
    for step_id in sorted(steps, key=lambda s: (order.get(s, len(order)), s)):
        count, seconds = steps[step_id]
        shown = suppress(count)
        step_rows.append(
            StepUsage(
                step_id,
                step_titles.get(step_id, step_id),
                shown,
                round(seconds / count) if shown.value else None,
            )
        )
    # Most errors first; a field below the limit is not named at all.
    field_rows = [
        FieldErrors(step_id, path, _field_label(field_labels, path), Count(n))
        for (step_id, path), n in sorted(errors.items(), key=lambda kv: (-kv[1], kv[0]))
        if n >= SMALL_COUNT_LIMIT
    ][:TOP_FIELDS]
    title = FormDefinition.objects.filter(key=form_key).values_list("title", flat=True).first()
    return FormDetail(
        form_key,
        title or form_key,
        suppress(totals[Metric.START]),
        suppress(totals[Metric.COMPLETE]),
        step_rows,
        field_rows,
    )


def form_detail_across_members(*, form_key: str, since: datetime.date) -> FormDetail:
    return _read(None, lambda: _detail(form_key, since))


def form_detail_of_member(*, tenant, form_key: str, since: datetime.date) -> FormDetail:
    return _read(tenant, lambda: _detail(form_key, since))
