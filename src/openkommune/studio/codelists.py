"""A code list version of the library in a definition (pure functions, like `editing`):
the version's entries are copied into the definition's `code_lists` with its URI and
version, so the form version carries exactly the list its applications were checked
against (a later library version changes no published form)."""

from __future__ import annotations

from openkommune.studio import editing

CHOICE_TYPES = ("choice", "multichoice")
WIDGETS = {"choice": ("radio", "select"), "multichoice": ("checkboxes",)}


def list_key(definition: dict, uri: str, version: str) -> str:
    """The key of the definition's code list with this URI and version, or a new unused key
    from the URI's last part."""
    lists = definition.get("code_lists", {})
    for key, entry in lists.items():
        if entry.get("uri") == uri and entry.get("version") == version:
            return key
    base = editing.slug(uri.rsplit(":", 1)[-1], fallback="codeliste", max_length=50)
    key, number = base, 1
    while key in lists:
        number += 1
        key = f"{base}_{number}"
    return key


def use_code_list(
    definition: dict,
    item_id: str,
    *,
    uri: str,
    version: str,
    title: str,
    entries: list[dict],
    field_type: str,
    widget: str = "",
) -> dict:
    """The definition with field `item_id` choosing from the library version (`uri`,
    `version`); a field of another type (e.g. free text from a FIM import without its code
    list) becomes a choice of `field_type`. Text-only properties go."""
    if field_type not in CHOICE_TYPES:
        raise editing.EditError(f"Unbekannte Art der Auswahl: {field_type}")
    place = editing.find(definition, item_id)
    if place.item.get("kind") != "field":
        raise editing.EditError("Nur ein Feld kann eine Codeliste nutzen.")
    key = list_key(definition, uri, version)
    result = editing.set_code_list(definition, key, title, entries)
    result["code_lists"][key] = {
        "title": title[:500] or key,
        "uri": uri,
        "version": version,
        "entries": entries,
    }
    field = dict(place.item)
    for name in ("min_length", "max_length", "pattern", "pattern_message", "autocomplete"):
        field.pop(name, None)
    field["type"] = field_type
    field["choices"] = key
    if widget and widget in WIDGETS[field_type]:
        field["widget"] = widget
    else:
        field.pop("widget", None)
    return editing.replace_item(result, item_id, field)
