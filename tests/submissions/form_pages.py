"""Filling a published form through the citizen step pages, as a browser would: for every
step shown for some answers, open the page, press "add" until a repeated group has as many
entries as the answers, type the answers into the fields the page offers, upload a file
for every file field that needs one, press "Weiter" and land on the next step (after the
last one: the check page). Used by test_fim_forms.py (imported FIM forms) and
test_definition_journeys.py (the cooperative's own forms).

The answers are typed data of the whole form (as the engine cleans it). What a browser
posts for them is read off the step's widgets, the same view model the page renders."""

from __future__ import annotations

import datetime
import re

from django.urls import reverse

from openkommune.forms.engine import COUNT_SUFFIX, Field, field_dom_id, validate, visible_pages
from openkommune.forms.engine.rendering import Widget, step_widgets
from openkommune.forms.engine.state import visibility
from openkommune.submissions.models import Attachment, Draft
from tests.forms.fim_samples.builders import sample_value
from tests.forms.helpers import Page
from tests.submissions.factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES, TEXT_BYTES, upload
from tests.submissions.journey_support import step_url

FILE_FOR_TYPE = {
    "application/pdf": ("nachweis.pdf", PDF_BYTES),
    "image/png": ("bild.png", PNG_BYTES),
    "image/jpeg": ("bild.jpg", JPEG_BYTES),
    "text/plain": ("text.txt", TEXT_BYTES),
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def minimal_data(raw: dict) -> dict:
    """Typed data with only what is required: required fields, the minimum of entries of
    repeated groups; optional groups (FIM 0..1) stay empty. File fields are left out: the
    pages upload them."""
    code_lists = raw.get("code_lists", {})

    def fill(items) -> dict:
        out = {}
        for item in items:
            if item["kind"] == "group":
                if "repeat" in item:
                    entries = [fill(item["items"]) for _ in range(item["repeat"]["min"])]
                    if entries:
                        out[item["id"]] = entries
                else:
                    inner = fill(item["items"])
                    if inner:
                        out[item["id"]] = inner
            elif item.get("required") and item["type"] not in ("info", "file"):
                out[item["id"]] = sample_value(item, code_lists)
        return out

    data = {}
    for step in raw["steps"]:
        data.update(fill(step["items"]))
    # "At least one of these fields" (`any_filled`): if none has a value, the first one
    # outside repeated groups gets one, else the first one, in a first entry of its groups.
    places = {}

    def walk(items, path):
        for item in items:
            if item["kind"] == "group":
                walk(item["items"], (*path, item))
            elif item["type"] not in ("info", "file"):
                places[item["id"]] = (path, item)

    for step in raw["steps"]:
        walk(step["items"], ())

    def holds(name) -> bool:
        path, _item = places[name]
        nodes = [data]
        for group in path:
            values = [node.get(group["id"]) for node in nodes]
            nodes = [
                entry
                for value in values
                for entry in (value if isinstance(value, list) else [value])
                if isinstance(entry, dict)
            ]
        return any(name in node for node in nodes)

    def put(name) -> None:
        path, item = places[name]
        node = data
        for group in path:
            if "repeat" in group:
                entries = node.setdefault(group["id"], [])
                if not entries:
                    entries.append(fill(group["items"]))
                node = entries[0]
            else:
                node = node.setdefault(group["id"], {})
        node[item["id"]] = sample_value(item, code_lists)

    for rule in raw.get("rules", ()):
        names = [name for name in rule.get("any_filled", ()) if name in places]
        if names and not any(holds(name) for name in names):
            outside = [name for name in names if not any("repeat" in g for g in places[name][0])]
            put((outside or names)[0])
    return data


def dates_moved(value, *, written_on: datetime.date, today: datetime.date | None = None):
    """`value` with every ISO date moved by as many days as lie between `written_on` (the
    day the answers were written for) and today: limits like "today+7" and rules between
    dates keep holding on whatever day the tests run."""
    days = ((today or datetime.date.today()) - written_on).days
    if isinstance(value, dict):
        return {
            key: dates_moved(item, written_on=written_on, today=today)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [dates_moved(item, written_on=written_on, today=today) for item in value]
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return (datetime.date.fromisoformat(value) + datetime.timedelta(days=days)).isoformat()
    return value


def widget_ids(widgets):
    for widget in widgets:
        yield widget.id
        yield from widget_ids(widget.parts)


def typed_answers(widgets: list[Widget]) -> dict[str, list[str]]:
    """{field name: values} a browser posts for the answers the widgets show. File fields
    are left to `upload_paths`; a radio or checkbox left unticked posts nothing (an empty
    list here, so it replaces whatever the page showed)."""
    posted: dict[str, list[str]] = {}
    for widget in widgets:
        kind = widget.kind
        if kind in ("input", "textarea", "select"):
            posted[widget.path] = [widget.value]
        elif kind == "radios":
            posted[widget.path] = [widget.value] if widget.value else []
        elif kind == "checkboxes":
            posted[widget.path] = [option.value for option in widget.options if option.checked]
        elif kind == "confirm":
            posted[widget.path] = [widget.value] if widget.checked else []
        elif kind == "address":
            posted |= typed_answers(widget.parts)
        elif kind == "group":
            posted |= typed_answers(widget.children)
        elif kind == "repeat":
            posted[widget.path + COUNT_SUFFIX] = [str(widget.count)]
            for entry in widget.entries:
                posted |= typed_answers(entry.children)
    return posted


def upload_paths(definition, step, data: dict):
    """(path, field) of every file field of `step` shown for `data` that needs a file: it
    is required, or the answers name a file there."""
    shown = visibility(definition, data)

    def walk(items, node, prefix: str, ctx: dict):
        node = node if isinstance(node, dict) else {}
        for item in items:
            if not shown.item_visible(item.id, ctx):
                continue
            path = prefix + item.id
            if isinstance(item, Field):
                if item.type == "file" and (item.required or node.get(item.id)):
                    yield path, item
            elif item.repeat is None:
                yield from walk(item.items, node.get(item.id), path + ".", ctx)
            else:
                for index, entry in enumerate(node.get(item.id) or []):
                    yield from walk(item.items, entry, f"{path}.{index}.", {**ctx, item.id: index})

    yield from walk(step.items, data, "", {})


def _without_files(items, node):
    """The answers under `items` without file fields (their values are attachment ids)."""
    if not isinstance(node, dict):
        return node
    out = {}
    for item in items:
        if item.id not in node or (isinstance(item, Field) and item.type == "file"):
            continue
        value = node[item.id]
        if isinstance(item, Field):
            out[item.id] = value
        elif item.repeat is None:
            out[item.id] = _without_files(item.items, value)
        else:
            out[item.id] = [_without_files(item.items, entry) for entry in value]
    return out


def _errors_on(response) -> list[str]:
    """The texts of the page's error messages (tags and blanks stripped)."""
    found = re.findall(r'class="kern-error"[^>]*>(.*?)</(?:p|div)>', response.text, re.S)[:5]
    return [" ".join(re.sub(r"<[^>]+>", " ", text).split()) for text in found]


def _add_entries(client, url: str, page: Page, answers: dict) -> Page:
    """Press "add" on the page until every repeated group shows as many entries as the
    answers have (posting what is typed so far, as a browser does)."""
    for _press in range(100):
        shown, names = page.posted(), page.names()
        short = [
            key.removesuffix(COUNT_SUFFIX)
            for key, values in answers.items()
            if key.endswith(COUNT_SUFFIX) and key in names and int(shown[key]) < int(values[0])
        ]
        if not short:
            return page
        path = short[0]
        assert page.find("button", name="_add", value=path), f"no add button for {path}"
        # The page's own counts stay: the answers' would already claim the new entries.
        typed = {
            key: values
            for key, values in answers.items()
            if key in names and not key.endswith(COUNT_SUFFIX)
        }
        posted = {key: shown.getlist(key) for key in shown} | typed
        response = client.post(url, posted | {"_add": path})
        assert response.status_code == 200, (path, response.content[:500])
        page = Page(response.text)
    raise AssertionError("the repeated groups never reached their number of entries")


def fill_step(client, draft: Draft, definition, step, data: dict) -> tuple[str, int]:
    """Open the step's page, type the answers of `data` for it, upload its files and press
    "Weiter". Returns where that leads and the number of files uploaded."""
    url = step_url(str(draft.public_id), step.id)
    response = client.get(url)
    assert response.status_code == 200, (step.id, response.content[:500])
    widgets = step_widgets(definition, step, data)
    # Nothing to type only where the page holds optional repeated groups left empty, or
    # groups a condition hides.
    shown = visibility(definition, data)
    assert widgets or all(
        (getattr(item, "repeat", None) is not None and item.repeat.min == 0)
        or not shown.item_visible(item.id, {})
        for item in step.step.items
    ), step.id
    answers = typed_answers(widgets)
    page = _add_entries(client, url, Page(response.text), answers)
    # Every widget of the step (fields, groups, address parts) is on the page, and every
    # answer goes into a field the page has, with a value among those it offers.
    assert set(widget_ids(widgets)) - {""} <= page.ids(), step.id
    names, shown = page.names(), page.posted()
    for name, values in answers.items():
        if values:
            assert name in names, (step.id, name)
        offered = page.offered(name)
        if offered is not None:
            assert set(values) <= offered, (step.id, name, values, offered)
    posted = {key: shown.getlist(key) for key in shown} | answers
    uploaded = 0
    for path, field in upload_paths(definition, step, data):
        assert path in names, (step.id, path)
        file_name, content = FILE_FOR_TYPE[(field.accept or ["application/pdf"])[0]]
        posted[path] = upload(file_name, content)
        uploaded += 1
    response = client.post(url, posted | {"_action": "weiter"})
    # A redirect to the next step: no error on this one.
    assert response.status_code == 302, (step.id, _errors_on(response))
    return response["Location"], uploaded


def declaration_answers(definition) -> dict[str, str]:
    """What the check page posts with "absenden" when every declaration is ticked."""
    return {
        item.id: "ja"
        for step in definition.steps
        if step.on_check_page
        for item in step.items
        if isinstance(item, Field) and item.must_be_true
    }


def form_screens(definition, data: dict) -> list:
    """The pages that are screens of their own for `data` (the engine's pages: a step above
    the page-length rule is cut; declarations are on the check page)."""
    return [page for page in visible_pages(definition, data) if not page.on_check_page]


def fill_form(client, draft: Draft, definition, data: dict) -> str:
    """Fill every screen shown for `data` through its page; returns the check page's URL.
    Afterwards the draft holds exactly these answers (files aside: they are uploads; the
    declarations are asked on the check page) and the check page finds nothing missing."""
    steps = form_screens(definition, data)
    check_url = reverse("submissions:check", args=[draft.public_id])
    uploaded = 0
    for index, step in enumerate(steps):
        location, files = fill_step(client, draft, definition, step, data)
        uploaded += files
        following = (
            step_url(str(draft.public_id), steps[index + 1].id)
            if index + 1 < len(steps)
            else check_url
        )
        assert location == following, step.id
    draft.refresh_from_db()
    declared = declaration_answers(definition)
    validation = validate(definition, {**draft.data, **dict.fromkeys(declared, True)})
    assert validation.errors == {}
    top = [item for step in definition.steps for item in step.items]
    assert _without_files(top, validation.data) == _without_files(
        top, validate(definition, data).data
    )
    assert Attachment.applicant_objects.filter(draft=draft).count() == uploaded
    check = client.get(check_url)
    assert check.status_code == 200
    assert 'id="fehlerzusammenfassung"' not in check.text
    assert 'id="absenden-form"' in check.text
    for field_id in declared:
        assert f'id="{field_dom_id(field_id)}"' in check.text, field_id
    return check_url
