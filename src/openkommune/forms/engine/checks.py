"""Checks of a form definition: the JSON Schema (with German messages that name the place)
and the references between its parts. Used by `engine.parse_definition`."""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict
from functools import cache

from jsonschema import Draft202012Validator

from openkommune.forms.engine.applicant import applicant_messages
from openkommune.forms.engine.conditions import code_between, condition_fields, condition_values
from openkommune.forms.engine.definition import (
    CHOICE_TYPES,
    NO_VALUE_TYPES,
    NUMERIC_TYPES,
    Definition,
    Field,
    Group,
    definition_schema,
    rule_scope,
)

_TYPE_NAMES = {
    "string": "ein Text",
    "integer": "eine ganze Zahl",
    "number": "eine Zahl",
    "boolean": "true oder false",
    "object": "ein Objekt",
    "array": "eine Liste",
}
_PATTERN_HINTS = {
    "^[a-z][a-z0-9_]{0,62}$": (
        "Erlaubt sind Kleinbuchstaben (ohne Umlaute), Ziffern und „_“, am Anfang ein "
        "Buchstabe, höchstens 63 Zeichen."
    ),
    "^99[0-9]{12}$": "Ein LeiKa-Schlüssel hat 14 Ziffern und beginnt mit 99.",
    "^S[0-9]{8}$": "Eine FIM-Stammdatenschema-ID sieht so aus: S00000001.",
}
DATE_BOUND = re.compile(r"today|today[+-][0-9]{1,5}|[0-9]{4}-[0-9]{2}-[0-9]{2}")

# Which optional field properties apply to which field types; anything else is an error
# because the engine would silently ignore it.
_LENGTH_TYPES = frozenset({"text", "textarea", "email", "phone"})
APPLIES_TO = {
    "min_length": _LENGTH_TYPES,
    "max_length": _LENGTH_TYPES,
    "pattern": _LENGTH_TYPES,
    "pattern_message": _LENGTH_TYPES,
    # Multiple choice: how many answers (docs/forms.md).
    "min": NUMERIC_TYPES | {"date", "multichoice"},
    "max": NUMERIC_TYPES | {"date", "multichoice"},
    "decimal_places": frozenset({"decimal"}),
    "choices": CHOICE_TYPES,
    "widget": CHOICE_TYPES,
    "accept": frozenset({"file"}),
    "max_size": frozenset({"file"}),
    "autocomplete": frozenset(
        {
            "text",
            "textarea",
            "integer",
            "decimal",
            "money",
            "date",
            "choice",
            "email",
            "phone",
            "iban",
            "address",
        }
    ),
}
WIDGETS = {"choice": {"radio", "select"}, "multichoice": {"checkboxes"}}
_ORDER_OPS = {"<", "<=", ">", ">="}


# --- JSON Schema -------------------------------------------------------------------------


# Keys whose entries name themselves (Schritt „x“, Regel 2): the key alone adds nothing.
_CONTAINERS = ("steps", "items", "code_lists", "entries", "rules", "all", "any")


def _place(raw, path) -> str:
    """A German description of where in the definition `path` (JSON path parts) points."""
    parts = []
    node = raw
    parent_key = None
    for key in path:
        try:
            child = node[key]
        except (KeyError, IndexError, TypeError):
            child = None
        ident = child.get("id") if isinstance(child, dict) else None
        ident = ident if isinstance(ident, str) else None
        if parent_key == "steps" and isinstance(key, int):
            parts.append(f"Schritt „{ident}“" if ident else f"Schritt {key + 1}")
        elif parent_key == "items" and isinstance(key, int):
            kind = "Gruppe" if isinstance(child, dict) and child.get("kind") == "group" else "Feld"
            parts.append(f"{kind} „{ident}“" if ident else f"Element {key + 1}")
        elif parent_key == "code_lists":
            parts.append(f"Codeliste „{key}“")
        elif parent_key == "entries" and isinstance(key, int):
            parts.append(f"Eintrag {key + 1}")
        elif parent_key == "rules" and isinstance(key, int):
            parts.append(f"Regel {key + 1}")
        elif parent_key in ("all", "any") and isinstance(key, int):
            parts.append(f"Teilbedingung {key + 1}")
        elif key in ("visible_if", "required_if"):
            parts.append(f"Bedingung „{key}“")
        elif key not in _CONTAINERS or key == path[-1]:
            parts.append(f"„{key}“")
        parent_key = key
        node = child
    return ", ".join(parts) or "Formular"


def _german(error) -> str:
    kind = error.validator
    value = error.validator_value
    instance = error.instance
    if kind == "required":
        missing = [name for name in value if name not in instance]
        return "Es fehlt die Angabe " + ", ".join(f"„{name}“" for name in missing) + "."
    if kind == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = sorted(name for name in instance if name not in known)
        return "Unbekannte Angabe " + ", ".join(f"„{name}“" for name in extra) + "."
    if kind == "const":
        return f"Erlaubt ist nur {value!r}."
    if kind == "enum":
        return "Erlaubt sind: " + ", ".join(str(v) for v in value) + "."
    if kind == "type":
        types = [value] if isinstance(value, str) else value
        return "Muss " + " oder ".join(_TYPE_NAMES.get(t, t) for t in types) + " sein."
    if kind == "pattern":
        hint = _PATTERN_HINTS.get(value, f"Erwartet wird das Muster {value}.")
        return f"„{instance}“ hat nicht das erwartete Format. {hint}"
    if kind == "minItems":
        return f"Mindestens {value} Einträge nötig."
    if kind == "maxItems":
        return f"Höchstens {value} Einträge erlaubt."
    if kind == "uniqueItems":
        return "Einträge kommen doppelt vor."
    if kind == "minLength":
        return "Darf nicht leer sein." if value == 1 else f"Mindestens {value} Zeichen nötig."
    if kind == "maxLength":
        return f"Höchstens {value} Zeichen erlaubt."
    if kind == "minimum":
        return f"Muss mindestens {value} sein."
    if kind == "maximum":
        return f"Darf höchstens {value} sein."
    return error.message


def _branch_score(errors) -> tuple[int, int]:
    # The branch an author meant is the one whose errors sit deepest: failing a `kind`
    # const or the set of keys means it was another branch.
    shallow = sum(
        1
        for e in errors
        if len(e.relative_path) <= 1
        and e.validator in ("const", "required", "additionalProperties", "type")
    )
    return shallow, len(errors)


def _flatten(error):
    if error.validator != "oneOf":
        yield error
        return
    branches = defaultdict(list)
    for sub in error.context or ():
        branches[sub.relative_schema_path[0]].append(sub)
    if not branches:
        yield error
        return
    best = min(branches.values(), key=_branch_score)
    for sub in best:
        yield from _flatten(sub)


@cache
def _fast_validator():
    """jsonschema-rs for the same schema: it answers "valid" for a 200-field definition in
    well under a millisecond where the Python validator takes about 300 ms (bench/
    studio_form.py). Only a definition it finds invalid goes through the Python validator,
    which names every problem in German. None where the package is missing."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - a dependency; the slow path stays correct
        return None
    return jsonschema_rs.validator_for(definition_schema())


def schema_messages(raw) -> list[str]:
    """German messages for every place where `raw` breaks the definition JSON Schema."""
    if not isinstance(raw, dict):
        return ["Formular: Die Definition muss ein JSON-Objekt sein."]
    fast = _fast_validator()
    if fast is not None and fast.is_valid(raw):
        return []
    validator = Draft202012Validator(definition_schema())
    messages = []
    for error in validator.iter_errors(raw):
        for leaf in _flatten(error):
            message = _german(leaf)
            if "propertyNames" in leaf.schema_path:
                message = f"Der Schlüssel „{leaf.instance}“: {message}"
                place = _place(raw, list(leaf.absolute_path))
            else:
                place = _place(raw, list(leaf.absolute_path))
            text = f"{place}: {message}"
            if text not in messages:
                messages.append(text)
    return messages


# --- References and semantics -------------------------------------------------------------


def _walk(items, step_id):
    for item in items:
        yield item, step_id
        if isinstance(item, Group):
            yield from _walk(item.items, step_id)


def _is_date_bound(value) -> bool:
    if not isinstance(value, str) or not DATE_BOUND.fullmatch(value):
        return False
    if value.startswith("today"):
        return True
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _bound_order_key(value):
    """Comparable keys of two bounds of the same kind, or None when they cannot be ordered
    statically (a fixed date against `today`)."""
    if isinstance(value, int | float):
        return ("number", value)
    if value.startswith("today"):
        return ("today", int(value[5:] or 0))
    return ("date", datetime.date.fromisoformat(value))


# Types a value set by the form or the platform (`fixed`, `system`) cannot have.
_NOT_ASKED_REFUSED = frozenset({"info", "file", "address", "multichoice"})


def _field_messages(d: Definition, f: Field) -> list[str]:
    where = f"Feld „{f.id}“"
    out = []
    for name, types in APPLIES_TO.items():
        value = getattr(f, name)
        if value not in (None, ()) and f.type not in types:
            out.append(f"{where}: Die Angabe „{name}“ gilt nicht für den Typ „{f.type}“.")
    if f.type in NO_VALUE_TYPES and f.required:
        out.append(f"{where}: Ein Hinweistext (info) kann nicht Pflicht sein.")
    if f.required_if is not None:
        if f.required or f.type in NO_VALUE_TYPES:
            out.append(
                f"{where}: „required_if“ gilt nur für Felder, die nicht ohnehin Pflicht sind, "
                "und nicht für Hinweistexte."
            )
        if f.id in condition_fields(f.required_if):
            out.append(f"{where}: „required_if“ nennt das Feld selbst.")
    if f.fixed is not None and f.system is not None:
        out.append(f"{where}: „fixed“ und „system“ schließen sich aus.")
    if f.not_asked:
        name = "fixed" if f.fixed is not None else "system"
        # A fixed value is always there (`required` holds anyway); a value the platform
        # sets must not turn into a required question the applicant cannot see.
        if (
            (f.required and f.system is not None)
            or f.required_if is not None
            or f.type in _NOT_ASKED_REFUSED
        ):
            out.append(
                f"{where}: „{name}“ (ein nicht erfragter Wert) gilt nicht mit „required_if“, "
                "nicht für die Typen info, file, address und multichoice und bei „system“ "
                "nicht mit „required“."
            )
        elif f.fixed is not None and not _value_fits(d, f, f.fixed):
            out.append(f"{where}: Der feste Wert „{f.fixed}“ passt nicht zum Feld.")
        elif f.system == "land" and f.type not in ("choice", "text"):
            out.append(f"{where}: „system“: „land“ gilt nur für Auswahl- und Textfelder.")
        elif f.system is not None and (f.visible_if is not None or d.locations[f.id].groups):
            out.append(
                f"{where}: Ein Wert der Plattform („system“) steht ohne Bedingung direkt in "
                "einem Schritt, nicht in einer Gruppe."
            )
    if f.must_be_true and f.type != "boolean":
        out.append(f"{where}: Die Angabe „must_be_true“ gilt nur für den Typ „boolean“.")
    elif f.must_be_true and not f.required:
        out.append(
            f"{where}: „must_be_true“ verlangt eine Bestätigung und damit eine Antwort; "
            "„required“: false widerspricht dem."
        )
    if f.type in CHOICE_TYPES:
        if not f.choices:
            out.append(f"{where}: Ein Auswahlfeld braucht „choices“ (den Namen einer Codeliste).")
        elif f.choices not in d.code_lists:
            out.append(f"{where}: Die Codeliste „{f.choices}“ gibt es nicht in „code_lists“.")
    if f.widget and f.type in WIDGETS and f.widget not in WIDGETS[f.type]:
        allowed = ", ".join(sorted(WIDGETS[f.type]))
        out.append(
            f"{where}: Die Darstellung „{f.widget}“ passt nicht zum Typ; erlaubt: {allowed}."
        )
    if f.pattern_message and not f.pattern:
        out.append(f"{where}: „pattern_message“ ohne „pattern“.")
    if f.pattern:
        try:
            re.compile(f.pattern)
        except re.error as exc:
            out.append(f"{where}: Der reguläre Ausdruck in „pattern“ ist ungültig ({exc}).")
    if f.min_length is not None and f.max_length is not None and f.min_length > f.max_length:
        out.append(f"{where}: „min_length“ ist größer als „max_length“.")
    bounds_ok = True
    for name in ("min", "max"):
        value = getattr(f, name)
        if value is None or f.type not in APPLIES_TO["min"]:
            continue
        if f.type == "date":
            if not _is_date_bound(value):
                bounds_ok = False
                out.append(
                    f"{where}: „{name}“ muss ein Datum JJJJ-MM-TT, „today“ oder „today+N“/"
                    f"„today-N“ sein, nicht „{value}“."
                )
        elif not isinstance(value, int | float) or isinstance(value, bool):
            bounds_ok = False
            out.append(f"{where}: „{name}“ muss eine Zahl sein, nicht „{value}“.")
        elif f.type == "integer" and value != int(value):
            bounds_ok = False
            out.append(f"{where}: „{name}“ muss bei ganzen Zahlen ganzzahlig sein.")
        elif f.type == "multichoice" and (value != int(value) or value < 1):
            bounds_ok = False
            out.append(
                f"{where}: „{name}“ ist bei einer Mehrfachauswahl die Zahl der Antworten "
                "(ganzzahlig, mindestens 1)."
            )
    if bounds_ok and f.min is not None and f.max is not None and f.type in APPLIES_TO["min"]:
        low, high = _bound_order_key(f.min), _bound_order_key(f.max)
        if low[0] == high[0] and low[1] > high[1]:
            out.append(f"{where}: „min“ ({f.min}) ist größer als „max“ ({f.max}).")
    return out


def _value_fits(d: Definition, f: Field, value) -> bool:
    if f.type in CHOICE_TYPES:
        code_list = d.code_list(f)
        return code_list is None or value in code_list.codes
    if f.type == "boolean":
        # A declaration is only ever confirmed: comparing it with false could never hold.
        return isinstance(value, bool) and (value or not f.must_be_true)
    if f.type in NUMERIC_TYPES:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if f.type == "date":
        return _is_date_bound(value) and not value.startswith("today")
    if f.type in ("address", "file"):
        return False
    return isinstance(value, str)


def _leaves(condition):
    if not condition:
        return
    if "field" in condition:
        yield condition
    elif "not" in condition:
        yield from _leaves(condition["not"])
    else:
        for part in condition.get("all", condition.get("any", [])):
            yield from _leaves(part)


# The field types whose answer can be a code, for a `between` comparison (a code of digits
# from … to …) and an `only_codes` rule: choices, and text fields (a FIM select whose code
# list is not there yet).
CODED_TYPES = frozenset({"choice", "multichoice", "text"})


def _reference_messages(d, where: str, condition, repeats: tuple[str, ...]) -> list[str]:
    out = []
    for name in dict.fromkeys(condition_fields(condition)):
        target = d.items.get(name)
        if target is None:
            out.append(f"{where}: Die Bedingung nennt „{name}“; ein solches Feld gibt es nicht.")
            continue
        repeated_group = isinstance(target, Group) and target.repeat is not None
        if not repeated_group and (not isinstance(target, Field) or not target.has_value):
            out.append(f"{where}: Die Bedingung nennt „{name}“; das ist kein Feld mit einem Wert.")
    reported = set()
    for leaf in _leaves(condition):
        name = leaf["field"]
        target = d.items.get(name)
        if not isinstance(target, Field) or not target.has_value or name in reported:
            continue
        target_repeats = d.locations[name].repeats
        outside = target_repeats != repeats[: len(target_repeats)]
        if leaf.get("any_entry") and not outside:
            reported.add(name)
            out.append(
                f"{where}: „any_entry“ bei „{name}“ passt nicht: Das Feld liegt in keiner "
                "wiederholten Gruppe außerhalb dieses Elements."
            )
        elif outside and not leaf.get("any_entry"):
            reported.add(name)
            out.append(
                f"{where}: Die Bedingung nennt „{name}“ aus der wiederholten Gruppe "
                f"„{target_repeats[-1]}“; das geht nur innerhalb dieser Gruppe oder mit "
                "„any_entry“: true (irgendein Eintrag)."
            )
    for leaf in _leaves(condition):
        target = d.items.get(leaf["field"])
        if "since" in leaf and not (isinstance(target, Field) and target.type == "date"):
            out.append(
                f"{where}: „since“ (Zeit seit einem Datum) gilt nur für Datumsfelder, nicht für "
                f"„{leaf['field']}“."
            )
        if "between" in leaf:
            low, high = leaf["between"]
            if not (isinstance(target, Field) and target.type in CODED_TYPES):
                out.append(
                    f"{where}: „between“ (Code von … bis …) gilt nur für Auswahl- und "
                    f"Textfelder, nicht für „{leaf['field']}“."
                )
            elif low > high:
                out.append(
                    f"{where}: „between“ bei „{leaf['field']}“: {low} ist größer als {high}."
                )
            elif (code_list := d.code_list(target)) is not None and not any(
                code_between(code, low, high) for code in code_list.codes
            ):
                out.append(
                    f"{where}: „between“ bei „{leaf['field']}“: Kein Code der Liste "
                    f"„{target.choices}“ liegt von {low} bis {high}."
                )
    for name, value in condition_values(condition):
        target = d.items.get(name)
        if isinstance(target, Group):
            out.append(
                f"{where}: Die Bedingung vergleicht die Gruppe „{name}“ mit {value!r}; eine "
                "wiederholte Gruppe lässt sich nur auf „filled“ (hat einen Eintrag) prüfen."
            )
            continue
        if isinstance(target, Field) and target.has_value and not _value_fits(d, target, value):
            out.append(
                f"{where}: Die Bedingung vergleicht „{name}“ (Typ „{target.type}“) mit "
                f"{value!r}; dieser Wert ist dort nicht möglich."
            )
    return out


def _cycle_messages(d: Definition) -> list[str]:
    edges: dict[str, list[str]] = defaultdict(list)
    for step in d.steps:
        edges[f"step:{step.id}"].extend(condition_fields(step.visible_if))
    for item_id, item in d.items.items():
        location = d.locations[item_id]
        parent = location.groups[-1] if location.groups else f"step:{location.step_id}"
        if not (isinstance(item, Field) and item.system is not None):
            # A value the platform sets holds whether or not its step is shown.
            edges[item_id].append(parent)
        edges[item_id].extend(condition_fields(item.visible_if))
    state: dict[str, int] = {}
    out = []

    def visit(node, trail):
        state[node] = 1
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt) :], nxt]
                names = " → ".join(f"„{n.removeprefix('step:')}“" for n in cycle)
                out.append(f"Die Sichtbarkeitsbedingungen hängen im Kreis voneinander ab: {names}.")
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in list(edges):
        if node not in state:
            visit(node, [node])
    return out


def _field_list_messages(
    d: Definition, where: str, rule, fits, wrong: str, *, same_scope: bool = True
) -> list[str]:
    """The checks of a rule over a list of fields (`any_filled`, `any_true`, `valid_date`):
    each field exists and `fits`, else "„name“ <wrong>"; with `same_scope`, all lie in the
    same repeat scope."""
    out = []
    scopes = set()
    for name in rule.fields:
        target = d.items.get(name)
        if not isinstance(target, Field) or not fits(target):
            out.append(f"{where}: „{name}“ {wrong}.")
        else:
            scopes.add(d.locations[name].repeats)
    if same_scope and len(scopes) > 1:
        out.append(f"{where}: Alle Felder müssen in derselben (wiederholten) Gruppe liegen.")
    return out


def _any_filled_messages(d: Definition, number: int, rule) -> list[str]:
    # Fields in different repeated groups are allowed: one below the rule's scope counts as
    # filled in any entry (`rule_scope`).
    # A repeated group counts as filled when one of its entries holds a value.
    where = f"Regel {number} (mindestens eines von {', '.join(rule.fields)})"
    out = []
    for name in rule.fields:
        target = d.items.get(name)
        repeated = isinstance(target, Group) and target.repeat is not None
        if not repeated and not (isinstance(target, Field) and target.has_value):
            out.append(
                f"{where}: „{name}“ ist kein Feld mit einem Wert und keine wiederholte Gruppe."
            )
    if not out and len(rule.fields) == 1 and isinstance(d.items[rule.fields[0]], Field):
        out.append(
            f"{where}: Für ein einzelnes Feld gilt „required“ oder „required_if“, keine Regel "
            "„any_filled“."
        )
    if rule.when is not None and not out:
        scope = rule_scope(d, rule)
        out.extend(_reference_messages(d, f"{where}, Bedingung „when“", rule.when, scope))
    return out


def _any_true_messages(d: Definition, number: int, rule) -> list[str]:
    where = f"Regel {number} (mindestens eines mit Ja von {', '.join(rule.fields)})"
    return _field_list_messages(
        d,
        where,
        rule,
        lambda f: f.type == "boolean" and not f.must_be_true,
        "ist kein Ja/Nein-Feld",
    )


def _only_codes_messages(d: Definition, number: int, rule) -> list[str]:
    where = f"Regel {number} (nur die Codes {', '.join(rule.codes)} bei {rule.left})"
    target = d.items.get(rule.left)
    if not isinstance(target, Field) or target.type not in CODED_TYPES:
        # A text field: a FIM select whose code list is missing (its answer is a code).
        return [f"{where}: „{rule.left}“ ist kein Auswahl- oder Textfeld."]
    out = []
    code_list = d.code_list(target)
    if code_list is not None:
        for code in rule.codes:
            if code not in code_list.codes:
                out.append(f"{where}: Den Code „{code}“ gibt es in „{target.choices}“ nicht.")
    if rule.when is not None:
        repeats = d.locations[rule.left].repeats
        out.extend(_reference_messages(d, f"{where}, Bedingung „when“", rule.when, repeats))
    return out


def _valid_date_messages(d: Definition, number: int, rule) -> list[str]:
    where = f"Regel {number} (Datum aus {', '.join(rule.fields)})"
    return _field_list_messages(
        d,
        where,
        rule,
        lambda f: f.type in ("integer", "text", "choice"),
        "ist kein Zahl-, Text- oder Auswahlfeld",
    )


def _rule_messages(d: Definition) -> list[str]:
    out = []
    special = {
        "any_filled": _any_filled_messages,
        "any_true": _any_true_messages,
        "valid_date": _valid_date_messages,
        "only_codes": _only_codes_messages,
    }
    for number, rule in enumerate(d.rules, start=1):
        if rule.op in special:
            out.extend(special[rule.op](d, number, rule))
            continue
        where = f"Regel {number} ({rule.left} {rule.op} {rule.right})"
        fields = []
        for name in (rule.left, rule.right):
            target = d.items.get(name)
            if not isinstance(target, Field) or not target.has_value:
                out.append(f"{where}: „{name}“ ist kein Feld mit einem Wert.")
            else:
                fields.append(target)
        if len(fields) != 2:
            continue
        left, right = fields
        if d.locations[left.id].repeats != d.locations[right.id].repeats:
            out.append(f"{where}: Beide Felder müssen in derselben (wiederholten) Gruppe liegen.")
        numeric = left.type in NUMERIC_TYPES and right.type in NUMERIC_TYPES
        dates = left.type == right.type == "date"
        if rule.op in _ORDER_OPS and not (numeric or dates):
            out.append(f"{where}: „{rule.op}“ vergleicht nur zwei Daten oder zwei Zahlen.")
        elif rule.op == "!=" and not (numeric or left.type == right.type):
            out.append(f"{where}: „!=“ vergleicht nur Felder desselben Typs.")
        elif left.type in ("multichoice", "address"):
            out.append(f"{where}: Felder vom Typ „{left.type}“ lassen sich nicht vergleichen.")
    return out


def semantic_messages(d: Definition) -> list[str]:
    """German messages for broken references and contradictory settings."""
    out = []
    for step_id, count in Counter(step.id for step in d.steps).items():
        if count > 1:
            out.append(f"Schritt „{step_id}“: Die Kennung kommt {count}-mal vor.")
    seen = defaultdict(list)
    for step in d.steps:
        for item, step_id in _walk(step.items, step.id):
            seen[item.id].append(step_id)
    for item_id, steps in seen.items():
        if len(steps) > 1:
            where = ", ".join(f"„{s}“" for s in steps)
            out.append(
                f"„{item_id}“: Die Kennung kommt {len(steps)}-mal vor (Schritte {where}); "
                "Kennungen von Feldern und Gruppen müssen im ganzen Formular eindeutig sein."
            )
    if out:
        # References cannot be checked reliably while ids are ambiguous.
        return out
    for key, code_list in d.code_lists.items():
        for code, count in Counter(code_list.codes).items():
            if count > 1:
                out.append(f"Codeliste „{key}“: Der Code „{code}“ kommt {count}-mal vor.")
    for step in d.steps:
        out.extend(_reference_messages(d, f"Schritt „{step.id}“", step.visible_if, ()))
        for item, _step_id in _walk(step.items, step.id):
            location = d.locations[item.id]
            kind = "Gruppe" if isinstance(item, Group) else "Feld"
            out.extend(
                _reference_messages(d, f"{kind} „{item.id}“", item.visible_if, location.repeats)
            )
            if isinstance(item, Field) and item.required_if is not None:
                out.extend(
                    _reference_messages(
                        d, f"Feld „{item.id}“ (required_if)", item.required_if, location.repeats
                    )
                )
            if isinstance(item, Field):
                out.extend(_field_messages(d, item))
            elif item.repeat and item.repeat.min > item.repeat.max:
                out.append(
                    f"Gruppe „{item.id}“: Die Mindestzahl der Einträge ({item.repeat.min}) ist "
                    f"größer als die Höchstzahl ({item.repeat.max})."
                )
    out.extend(_rule_messages(d))
    out.extend(applicant_messages(d))
    if not out:
        out.extend(_cycle_messages(d))
    return out
