"""The publish gate (ADR 0024): checks a definition must pass before the studio publishes it.
Each check gives German messages naming the place; an empty list means it passed."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from openkommune.forms.engine import (
    DefinitionError,
    data_json_schema,
    not_asked,
    page_length_problems,
    parse_definition,
)
from openkommune.studio import editing


@dataclass(frozen=True)
class GateCheck:
    key: str
    title: str
    messages: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.messages


@dataclass(frozen=True)
class GateResult:
    checks: tuple[GateCheck, ...]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def messages(self) -> list[str]:
        return [message for check in self.checks for message in check.messages]


def _where(place: editing.Place) -> str:
    return _("Schritt „%(step)s“, „%(id)s“") % {"step": place.step["title"], "id": place.item["id"]}


def labels_messages(definition: dict) -> list[str]:
    """Every field has a label and every group and step a title that is more than blanks."""
    found = []
    for step in definition["steps"]:
        if not step.get("title", "").strip():
            found.append(_("Schritt „%(id)s“ hat keine Überschrift.") % {"id": step["id"]})
    for place in editing.places(definition):
        text = place.item.get("label" if place.item.get("kind") == "field" else "title", "")
        if not text.strip():
            found.append(_("%(where)s: Bezeichnung fehlt.") % {"where": _where(place)})
    return found


def applicant_messages(definition: dict) -> list[str]:
    """The applicant is marked: who applies (a name or an organisation) and how to reach
    them (an address or an e-mail address), for notices and the case inbox."""
    applicant = definition.get("applicant") or {}
    found = []
    if not ({"name", "family_name", "organisation"} & applicant.keys()):
        found.append(
            _(
                "Die Antragstellerin ist nicht markiert: Bitte wählen Sie unter „Formular“ "
                "das Feld "
                "für den Namen (oder die Organisation)."
            )
        )
    if not ({"address", "email"} & applicant.keys()):
        found.append(
            _(
                "Die Antragstellerin ist nicht erreichbar: Bitte wählen Sie unter „Formular“ das "
                "Feld für die Anschrift oder die E-Mail-Adresse."
            )
        )
    return found


def schema_messages(definition: dict) -> list[str]:
    """The engine accepts the definition and its data schema is valid JSON Schema 2020-12."""
    try:
        parsed = parse_definition(definition)
    except DefinitionError as error:
        return list(error.messages)
    try:
        Draft202012Validator.check_schema(data_json_schema(parsed))
    except SchemaError as error:
        return [
            _("Das Datenschema des Formulars ist ungültig: %(error)s") % {"error": error.message}
        ]
    return []


def condition_order_messages(definition: dict) -> list[str]:
    """Conditions name only answers given before (earlier steps, or earlier on the same
    step), and do not depend on each other in a circle."""
    found = []
    order = {}
    for number, place in enumerate(editing.places(definition)):
        order[place.item["id"]] = (place, number)
    step_starts = {}
    for place in editing.places(definition):
        step_starts.setdefault(place.step["id"], order[place.item["id"]][1])

    def check(where: str, condition, own_position: int) -> None:
        for field_id in editing.condition_field_ids(condition):
            if field_id not in order:
                continue  # the engine names unknown fields
            if order[field_id][1] >= own_position:
                found.append(
                    _("%(where)s: Die Bedingung nennt „%(field)s“, das erst später gefragt wird.")
                    % {"where": where, "field": field_id}
                )

    for step in definition["steps"]:
        if step.get("visible_if"):
            check(
                _("Schritt „%(step)s“") % {"step": step["title"]},
                step["visible_if"],
                step_starts.get(step["id"], 0),
            )
    for place in editing.places(definition):
        for key in ("visible_if", "required_if"):
            if place.item.get(key):
                check(_where(place), place.item[key], order[place.item["id"]][1])
    found.extend(_cycle_messages(definition))
    return found


def _cycle_messages(definition: dict) -> list[str]:
    depends: dict[str, set[str]] = {}
    for place in editing.places(definition):
        names = set(editing.condition_field_ids(place.item.get("visible_if")))
        for group in place.groups:
            names |= set(editing.condition_field_ids(group.get("visible_if")))
        names |= set(editing.condition_field_ids(place.step.get("visible_if")))
        depends[place.item["id"]] = names
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for other in sorted(depends.get(node, ())):
            if state.get(other) == "open":
                cycle = [*path[path.index(other) :], other] if other in path else [node, other]
                found.append(
                    _("Bedingungen hängen im Kreis voneinander ab: %(cycle)s.")
                    % {"cycle": " → ".join(cycle)}
                )
            elif other not in state:
                visit(other, [*path, other])
        state[node] = "done"

    for node in sorted(depends):
        if node not in state:
            visit(node, [node])
    return found


def unasked_step_messages(definition: dict) -> list[str]:
    """No step holds only values the form or the platform sets (`fixed`, `system`): the
    applicant would see a page that asks nothing."""
    found = []
    for step in definition["steps"]:
        items = step.get("items", [])
        if items and all(not_asked(item) for item in items):
            found.append(
                _(
                    "Schritt „%(step)s“ enthält nur Werte, die das Formular oder die Plattform "
                    "setzt, und wäre eine leere Seite: Stellen Sie diese Felder in einen "
                    "Schritt mit Fragen."
                )
                % {"step": step.get("title") or step["id"]}
            )
    return found


def page_length_messages(definition: dict) -> list[str]:
    """The engine's page-length rule (ADR 0032, docs/forms.md "Page length"): the pages that
    stay over the limit after the engine's own cut, for every combination of the answers
    that decide what a step shows."""
    try:
        parsed = parse_definition(definition)
    except DefinitionError:
        return []  # reported by the schema check
    return page_length_problems(parsed)


def publish_gate(definition: dict) -> GateResult:
    return GateResult(
        checks=(
            GateCheck(
                "schema",
                _("Formular gültig, Datenschema erzeugt und gültig"),
                tuple(schema_messages(definition)),
            ),
            GateCheck(
                "labels", _("Jedes Feld hat eine Bezeichnung"), tuple(labels_messages(definition))
            ),
            GateCheck(
                "applicant", _("Antragstellerin markiert"), tuple(applicant_messages(definition))
            ),
            GateCheck(
                "conditions",
                _("Bedingungen nur auf frühere Antworten, ohne Kreis"),
                tuple(condition_order_messages(definition)),
            ),
            GateCheck(
                "page_length", _("Keine Seite zu lang"), tuple(page_length_messages(definition))
            ),
            GateCheck(
                "questions",
                _("Jeder Schritt fragt etwas"),
                tuple(unasked_step_messages(definition)),
            ),
        )
    )
