"""The preview's pages (ADR 0024), built the same way for the preview view and for the
publish gate's accessibility run (ADR 0036): which screens a version shows, the template
context of one screen, example answers that open the form's conditions, and every page of
the preview rendered to HTML for axe-core."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import render_to_string
from django.test.client import RequestFactory
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openkommune.catalog.selectors import leistung_for_leika_keys, service_activation_get
from openkommune.forms.engine import (
    Definition,
    Field,
    Group,
    Step,
    answers,
    validate,
    visible_steps,
)
from openkommune.tenancy.selectors import organisation_list

PREVIEW_TEMPLATE = "studio/preview.html"


def preview_screens(definition: Definition, data: dict) -> list[Step]:
    """The steps the preview shows as screens for these answers (declarations go on the
    check page)."""
    return [step for step in visible_steps(definition, data) if not step.on_check_page]


def member_parameters(member, definition: Definition):
    """The chosen member's activation of the form's Leistung (fee, contact, notes), or None."""
    if member is None:
        return None
    leistung = leistung_for_leika_keys(definition.leika_keys)
    if leistung is None:
        return None
    try:
        return service_activation_get(tenant=member, ozg_id=leistung.ozg_id)
    except ObjectDoesNotExist:
        return None


def preview_members():
    return organisation_list().filter(is_cooperative=False).order_by("name")


def preview_context(
    *, version, definition: Definition, step: Step | None, data: dict, errors: dict, member=None
) -> dict:
    """The template context of one preview screen (`step`), or of the check page (None)."""
    screens = preview_screens(definition, data)
    ids = [s.id for s in screens]
    summary = answers(definition, validate(definition, data).data) if step is None else None
    return {
        "version": version,
        "definition": definition,
        "step": step,
        "data": data,
        "errors": errors,
        "summary": summary,
        "member": member,
        "members": preview_members(),
        "parameters": member_parameters(member, definition),
        "position": ids.index(step.id) + 1 if step is not None and step.id in ids else len(ids),
        "total": len(ids),
    }


# --- example answers -------------------------------------------------------------------------


def _comparisons(condition):
    """(field id, value) of each `equals`/`in` comparison in a condition."""
    if not isinstance(condition, dict):
        return
    if "field" in condition:
        if "equals" in condition:
            yield condition["field"], condition["equals"]
        for value in condition.get("in", ())[:1]:
            yield condition["field"], value
        if "between" in condition:
            yield condition["field"], str(condition["between"][0])
        return
    if "not" in condition:
        return  # a negated comparison holds for most other answers anyway
    for part in condition.get("all", condition.get("any", [])):
        yield from _comparisons(part)


def _compared_values(definition: Definition) -> dict[str, object]:
    """For each field a condition compares: the first value it is compared with, so the
    example answers make that condition hold and its follow-ups appear."""
    wanted: dict[str, object] = {}
    conditions = [step.visible_if for step in definition.steps]
    for item in definition.items.values():
        conditions.append(item.visible_if)
        if isinstance(item, Field):
            conditions.append(item.required_if)
    for condition in conditions:
        for field_id, value in _comparisons(condition):
            wanted.setdefault(field_id, value)
    return wanted


def _example_value(definition: Definition, field: Field, wanted: dict, today: datetime.date):
    if field.id in wanted:
        value = wanted[field.id]
        if field.type == "multichoice":
            return [value]
        return value
    kind = field.type
    if kind in ("choice", "multichoice"):
        code_list = definition.code_list(field)
        code = code_list.codes[0] if code_list and code_list.codes else ""
        return [code] if kind == "multichoice" else code
    if kind == "boolean":
        return True
    if kind in ("integer", "decimal", "money"):
        low = field.min if isinstance(field.min, int | float) else 1
        return int(low) if kind == "integer" else str(low)
    if kind == "date":
        return today.isoformat()
    if kind == "email":
        return "beispiel@example.org"
    if kind == "phone":
        return "0391 123456"
    if kind == "iban":
        return "DE02120300000000202051"
    if kind == "address":
        return {
            "street": "Beispielweg",
            "house_number": "1",
            "postcode": "39104",
            "city": "Magdeburg",
        }
    if kind == "file":
        return ""  # nothing is uploaded in the preview
    return _("Beispiel")


def _example_items(definition, items, wanted, today) -> dict:
    out = {}
    for item in items:
        if isinstance(item, Group):
            inner = _example_items(definition, item.items, wanted, today)
            out[item.id] = [inner] * max(1, item.repeat.min) if item.repeat else inner
        elif item.has_value:
            out[item.id] = _example_value(definition, item, wanted, today)
    return out


def example_answers(definition: Definition, *, today: datetime.date | None = None) -> dict:
    """Answers for every field of the form (one entry per repeated group), choosing the
    values conditions ask for, so the preview shows the follow-ups too. Not validated: an
    example that breaks a rule still renders the page."""
    today = today or timezone.localdate()
    wanted = _compared_values(definition)
    top = [item for step in definition.steps for item in step.items]
    return _example_items(definition, top, wanted, today)


# --- every page, rendered --------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedPage:
    title: str
    path: str
    html: str


def _without(definition: Definition, data: dict, step: Step) -> dict:
    return {key: value for key, value in data.items() if key not in {i.id for i in step.items}}


def rendered_preview_pages(version, definition: Definition) -> list[RenderedPage]:
    """Every page of the preview as a citizen meets it, in German: each screen with the
    example answers (so follow-ups and entries of repeated groups are on it), the same
    screen after "Weiter" without its answers (error summary and messages), and the check
    page."""
    data = example_answers(definition)
    factory = RequestFactory()
    pages = []
    base = f"/genossenschaft/formular-studio/{version.form.key}/{version.number}/vorschau/"

    def render(title: str, query: str, step: Step | None, values: dict, errors: dict):
        request = factory.get(base + query)
        request.user = AnonymousUser()
        context = preview_context(
            version=version, definition=definition, step=step, data=values, errors=errors
        )
        html = render_to_string(PREVIEW_TEMPLATE, context, request=request)
        pages.append(RenderedPage(title=title, path=base + query, html=html))

    with translation.override("de"):
        for number, step in enumerate(preview_screens(definition, data), start=1):
            shown = _without(definition, data, step)
            render(
                _("Schritt %(n)d „%(title)s“ mit Beispielantworten")
                % {"n": number, "title": step.title},
                f"?schritt={step.id}",
                step,
                data,
                {},
            )
            errors = validate(definition, shown, step_id=step.id).errors
            if errors:
                render(
                    _("Schritt %(n)d „%(title)s“ mit Fehlermeldungen")
                    % {"n": number, "title": step.title},
                    f"?schritt={step.id}&fehler=1",
                    step,
                    shown,
                    errors,
                )
        render(_("Prüfseite „Ihre Angaben“"), "?schritt=_pruefen", None, data, {})
    return pages
