"""A readable difference between two definitions (two versions of a form): German lines
saying what was added, removed, moved or changed, per step and item."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from openkommune.studio import editing

PROPERTY_LABELS = {
    "label": _lazy("Bezeichnung"),
    "title": _lazy("Überschrift"),
    "type": _lazy("Art"),
    "help": _lazy("Hilfetext"),
    "required": _lazy("Pflichtfeld"),
    "must_be_true": _lazy("Bestätigung nötig"),
    "visible_if": _lazy("Bedingung"),
    "required_if": _lazy("Pflicht, wenn"),
    "min_length": _lazy("Mindestlänge"),
    "max_length": _lazy("Höchstlänge"),
    "pattern": _lazy("Muster"),
    "pattern_message": _lazy("Fehlermeldung zum Muster"),
    "min": _lazy("kleinster Wert"),
    "max": _lazy("größter Wert"),
    "decimal_places": _lazy("Nachkommastellen"),
    "choices": _lazy("Auswahlliste"),
    "widget": _lazy("Darstellung"),
    "accept": _lazy("Dateiarten"),
    "max_size": _lazy("Dateigröße"),
    "autocomplete": _lazy("Autovervollständigung"),
    "repeat": _lazy("Wiederholung"),
    "fim_id": _lazy("FIM-Kennung"),
    "fixed": _lazy("Fester Wert (nicht abgefragt)"),
    "system": _lazy("Wert der Plattform (nicht abgefragt)"),
    "intro": _lazy("Einleitung"),
    "leika_keys": _lazy("LeiKa-Schlüssel"),
    "applicant": _lazy("Antragstellerin"),
    "source": _lazy("Quelle"),
    "rules": _lazy("Regeln"),
}


@dataclass(frozen=True)
class Change:
    kind: str  # added, removed, changed, moved
    where: str
    text: str


def _show(value) -> str:
    if value is True:
        return _("ja")
    if value is False or value is None:
        return _("nein") if value is False else "–"
    if isinstance(value, str):
        return f"„{value}“"
    return json.dumps(value, ensure_ascii=False)


def _property_changes(old: dict, new: dict, skip=("items", "id", "kind")) -> list[str]:
    lines = []
    for key in [*old.keys(), *(k for k in new if k not in old)]:
        if key in skip or old.get(key) == new.get(key):
            continue
        label = PROPERTY_LABELS.get(key, key)
        if key not in new:
            lines.append(
                _("%(property)s entfernt (war %(old)s)")
                % {"property": label, "old": _show(old[key])}
            )
        elif key not in old:
            lines.append(
                _("%(property)s neu: %(new)s") % {"property": label, "new": _show(new[key])}
            )
        else:
            lines.append(
                _("%(property)s: %(old)s → %(new)s")
                % {"property": label, "old": _show(old[key]), "new": _show(new[key])}
            )
    return lines


def _items(definition: dict) -> dict[str, tuple[editing.Place, str]]:
    """item id → (place, parent id)."""
    found = {}
    for place in editing.places(definition):
        parent = place.groups[-1]["id"] if place.groups else place.step["id"]
        found[place.item["id"]] = (place, parent)
    return found


def definition_diff(old: dict, new: dict) -> list[Change]:
    changes: list[Change] = []
    form = _("Formular")
    for line in _property_changes(old, new, skip=("steps", "code_lists", "format", "key")):
        changes.append(Change("changed", form, line))
    old_lists, new_lists = old.get("code_lists", {}), new.get("code_lists", {})
    for key in [*old_lists, *(k for k in new_lists if k not in old_lists)]:
        where = _("Auswahlliste „%(key)s“") % {"key": key}
        if key not in new_lists:
            changes.append(Change("removed", where, _("entfernt")))
        elif key not in old_lists:
            changes.append(
                Change(
                    "added",
                    where,
                    _("neu mit %(n)d Einträgen") % {"n": len(new_lists[key]["entries"])},
                )
            )
        elif old_lists[key] != new_lists[key]:
            old_codes = {e["code"]: e["label"] for e in old_lists[key]["entries"]}
            new_codes = {e["code"]: e["label"] for e in new_lists[key]["entries"]}
            for code in new_codes.keys() - old_codes.keys():
                changes.append(
                    Change(
                        "added",
                        where,
                        _("Eintrag %(code)s „%(label)s“ neu")
                        % {"code": code, "label": new_codes[code]},
                    )
                )
            for code in old_codes.keys() - new_codes.keys():
                changes.append(
                    Change(
                        "removed",
                        where,
                        _("Eintrag %(code)s „%(label)s“ entfernt")
                        % {"code": code, "label": old_codes[code]},
                    )
                )
            for code in old_codes.keys() & new_codes.keys():
                if old_codes[code] != new_codes[code]:
                    changes.append(
                        Change(
                            "changed",
                            where,
                            _("Eintrag %(code)s: „%(old)s“ → „%(new)s“")
                            % {"code": code, "old": old_codes[code], "new": new_codes[code]},
                        )
                    )
            if list(old_codes) != list(new_codes) and old_codes.keys() == new_codes.keys():
                changes.append(Change("moved", where, _("Reihenfolge der Einträge geändert")))
            for line in _property_changes(old_lists[key], new_lists[key], skip=("entries",)):
                changes.append(Change("changed", where, line))

    old_steps = {step["id"]: (index, step) for index, step in enumerate(old["steps"])}
    new_steps = {step["id"]: (index, step) for index, step in enumerate(new["steps"])}
    for step_id, (index, step) in new_steps.items():
        where = _("Schritt „%(title)s“") % {"title": step["title"]}
        if step_id not in old_steps:
            changes.append(Change("added", where, _("neu an Stelle %(n)d") % {"n": index + 1}))
            continue
        old_index, old_step = old_steps[step_id]
        if old_index != index:
            changes.append(
                Change(
                    "moved",
                    where,
                    _("von Stelle %(old)d an Stelle %(new)d")
                    % {"old": old_index + 1, "new": index + 1},
                )
            )
        for line in _property_changes(old_step, step):
            changes.append(Change("changed", where, line))
    for step_id, (_index, step) in old_steps.items():
        if step_id not in new_steps:
            changes.append(
                Change(
                    "removed", _("Schritt „%(title)s“") % {"title": step["title"]}, _("entfernt")
                )
            )

    old_items, new_items = _items(old), _items(new)
    for item_id, (place, parent) in new_items.items():
        name = place.item.get("label") or place.item.get("title") or item_id
        where = _("„%(name)s“ (%(id)s)") % {"name": name, "id": item_id}
        if item_id not in old_items:
            changes.append(
                Change(
                    "added", where, _("neu in Schritt „%(step)s“") % {"step": place.step["title"]}
                )
            )
            continue
        old_place, old_parent = old_items[item_id]
        if old_parent != parent:
            changes.append(
                Change("moved", where, _("verschoben nach „%(parent)s“") % {"parent": parent})
            )
        elif _sibling_ids(old_place) != _sibling_ids(place) and old_place.index != place.index:
            changes.append(
                Change(
                    "moved",
                    where,
                    _("von Stelle %(old)d an Stelle %(new)d")
                    % {"old": old_place.index + 1, "new": place.index + 1},
                )
            )
        for line in _property_changes(old_place.item, place.item):
            changes.append(Change("changed", where, line))
    for item_id, (place, _parent) in old_items.items():
        if item_id not in new_items:
            name = place.item.get("label") or place.item.get("title") or item_id
            changes.append(
                Change(
                    "removed",
                    _("„%(name)s“ (%(id)s)") % {"name": name, "id": item_id},
                    _("entfernt"),
                )
            )
    return changes


def _sibling_ids(place: editing.Place) -> list[str]:
    return [item["id"] for item in place.container]
