"""Layout defects of issue 14, checked in Chromium on the markup our templates render with
KERN and our stylesheet: a long German term is not broken mid-word, "Ändern" stays on the
line of its answer, a repeat group's legend does not overlap its first entry."""

import uuid
from types import SimpleNamespace

from django.template.loader import render_to_string
from django.templatetags.static import static

STYLESHEETS = ("kern/fonts/fira-sans.css", "kern/kern.min.css", "openkommune/site.css")


def _show(page, site_server, content: str) -> None:
    """`content` on a page with the site's stylesheets (addresses as the site makes them)."""
    links = "".join(
        f'<link rel="stylesheet" href="{site_server}{static(name)}">' for name in STYLESHEETS
    )
    html = (
        f'<!doctype html><html lang="de" class="kern-light"><head><meta charset="utf-8">'
        f'{links}</head><body class="ok-body"><main class="kern-container ok-main">{content}'
        "</main></body></html>"
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_content(html, wait_until="load")
    page.evaluate("document.fonts.ready")


def _lines_of_text(page, selector: str) -> int:
    """On how many lines the text of the element's first text node is set."""
    return page.evaluate(
        """(selector) => {
            const range = document.createRange();
            range.selectNodeContents(document.querySelector(selector));
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            return tops.size;
        }""",
        selector,
    )


def test_a_term_in_a_narrow_description_list_is_not_broken_mid_word(page, site_server):
    # The authority box beside the start of an application is narrow: 30 % of it was less
    # than "Ansprechpartner", which KERN's `word-break: break-word` then split.
    _show(
        page,
        site_server,
        '<div style="width: 380px"><dl class="kern-description-list">'
        '<div class="kern-description-list-item"><dt class="kern-description-list-item__key" '
        'id="begriff">Ansprechpartner</dt><dd class="kern-description-list-item__value">'
        "Steueramt, Hundesteuer (Demo)</dd></div></dl></div>",
    )
    assert _lines_of_text(page, "#begriff") == 1


def test_aendern_stays_on_the_line_of_its_answer(page, site_server):
    sections = [
        {
            "step_id": "halter",
            "title": "Halterin oder Halter",
            "rows": [
                {"label": "Nachname", "text": "Mustermann", "anchor": "f-halter-nachname"},
                {"label": "Anschrift", "text": "Breiter Weg 1\n39104 Magdeburg", "anchor": "a"},
            ],
        }
    ]
    html = render_to_string(
        "includes/summary_sections.html",
        {
            "sections": sections,
            "heading": "h2",
            "numbered": True,
            "draft": SimpleNamespace(public_id=uuid.uuid4()),
        },
    )
    _show(page, site_server, html)
    for item in page.locator(".ok-summary-item").all():
        value = item.locator("dd").first.bounding_box()
        change = item.locator(".ok-summary-change").bounding_box()
        assert abs(change["y"] - value["y"]) < 2, (value, change)
        assert change["x"] >= value["x"] + value["width"] - 1


def test_a_repeat_groups_legend_does_not_overlap_its_first_entry(
    page, site_server, django_db_blocker
):
    from openkommune.forms.selectors import form_current_version, version_definition

    with django_db_blocker.unblock():
        definition = version_definition(form_current_version(key="hundesteuer"))
    step = next(s for s in definition.steps if s.id == "hunde")
    html = render_to_string(
        "forms/step_fields.html",
        {"definition": definition, "step": step, "values": {}, "errors": {}},
    )
    _show(page, site_server, f'<form class="ok-stack">{html}</form>')
    group_legend = page.locator(".ok-form-repeat > legend").first.bounding_box()
    entry = page.locator(".ok-form-repeat > .ok-form-entry").first
    entry_legend = entry.locator("> legend").bounding_box()
    assert entry_legend["y"] >= group_legend["y"] + group_legend["height"] - 1
    assert entry.bounding_box()["y"] >= group_legend["y"] + group_legend["height"] - 1
