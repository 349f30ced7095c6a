"""Definitions for the forms tests: the fixture files in tests/forms/fixtures/, a small
builder for one-step forms around the fields a test is about, and `Page`, which reads a
rendered step as a browser would (also used by tests/submissions)."""

import copy
import json
from html.parser import HTMLParser
from pathlib import Path

from django.http import QueryDict

from openkommune.forms.engine import parse_definition

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_raw(name: str = "hundesteuer") -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def fixture_definition(name: str = "hundesteuer"):
    return parse_definition(fixture_raw(name))


def field(id: str, type: str = "text", **props) -> dict:
    label = props.pop("label", id.title())
    return {"kind": "field", "id": id, "type": type, "label": label, **props}


def group(id: str, items: list, **props) -> dict:
    title = props.pop("title", id.title())
    return {"kind": "group", "id": id, "title": title, "items": items, **props}


CODE_LISTS = {
    "farbe": {
        "title": "Farbe",
        "entries": [
            {"code": "rot", "label": "Rot"},
            {"code": "gruen", "label": "Grün"},
            {"code": "blau", "label": "Blau"},
        ],
    }
}


def raw_form(*items, key: str = "test_form", rules=None, steps=None, **extra) -> dict:
    raw = {
        "format": 1,
        "key": key,
        "title": "Testformular",
        "leika_keys": ["99000000000000"],
        "code_lists": copy.deepcopy(CODE_LISTS),
        "steps": steps or [{"id": "eins", "title": "Schritt eins", "items": list(items)}],
    }
    if rules:
        raw["rules"] = rules
    raw.update(extra)
    return raw


def form(*items, **kwargs):
    return parse_definition(raw_form(*items, **kwargs))


# --- rendered pages -------------------------------------------------------------------------


class Page(HTMLParser):
    """The elements of a rendered fragment: tags with attributes, and label texts."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.texts: dict[str, str] = {}
        self._open: list[tuple[str, dict, list]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {name: (value if value is not None else "") for name, value in attrs}
        self.elements.append((tag, attributes))
        if tag in ("label", "textarea", "legend", "option", "button", "p", "div", "a"):
            self._open.append((tag, attributes, []))

    def handle_data(self, data):
        for _tag, _attrs, parts in self._open:
            parts.append(data)

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            _tag, attributes, parts = self._open.pop()
            attributes["_text"] = " ".join("".join(parts).split())

    def find(self, tag, **attrs) -> list[dict]:
        return [a for t, a in self.elements if t == tag
                and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]  # fmt: skip

    def one(self, tag, **attrs) -> dict:
        [found] = self.find(tag, **attrs)
        return found

    def ids(self) -> set[str]:
        return {a["id"] for _t, a in self.elements if "id" in a}

    def names(self) -> set[str]:
        """The names of the fields a browser can send (buttons aside)."""
        return {
            a["name"]
            for t, a in self.elements
            if a.get("name") and t in ("input", "select", "textarea")
        }

    def offered(self, name: str) -> set[str] | None:
        """The values the page offers for a choice (radio buttons, checkboxes, a select);
        None for a field one types into, or a name the page does not have."""
        if self.find("select", name=name):
            return {o["value"] for o in self._options_of(name)}
        inputs = self.find("input", name=name)
        if inputs and all(a.get("type") in ("radio", "checkbox") for a in inputs):
            return {a.get("value", "") for a in inputs}
        return None

    def posted(self) -> QueryDict:
        """What a browser sends for the fragment as rendered (no button pressed)."""
        data = QueryDict(mutable=True)
        for tag, a in self.elements:
            name = a.get("name")
            if not name or tag == "button":
                continue
            if tag == "input" and a.get("type") in ("radio", "checkbox") and "checked" not in a:
                continue
            if tag == "input" and a.get("type") == "file":
                continue
            if tag == "select":
                continue
            value = a.get("_text", "") if tag == "textarea" else a.get("value", "")
            data.appendlist(name, value)
        for tag, a in self.elements:
            if tag == "select":
                chosen = [o for o in self._options_of(a["name"]) if "selected" in o]
                data.appendlist(a["name"], chosen[0]["value"] if chosen else "")
        return data

    def _options_of(self, name):
        inside, out = False, []
        for tag, a in self.elements:
            if tag == "select":
                inside = a.get("name") == name
            elif tag == "option" and inside:
                out.append(a)
        return out
