"""The page script for follow-up questions (static/openkommune/conditions.js) in a real
browser: a `between` comparison (a code of digits from … to …, forms.engine.conditions) shows
its follow-up exactly while the chosen or typed code lies inside the bounds, like the server."""

import json
from pathlib import Path

import pytest

from openkommune.forms.engine.conditions import evaluate

SCRIPT = Path(__file__).parents[2] / "src/openkommune/static/openkommune/conditions.js"
CHOSEN = {"name": "form", "between": [200000, 299999]}
TYPED = {"name": "typed", "between": [110000, 114000]}


def html() -> str:
    options = "".join(
        f'<option value="{code}">{code}</option>' for code in ("", "110000", "221100", "X1")
    )
    return (
        '<!doctype html><html lang="de"><body><main>'
        f'<label for="form">Rechtsform</label><select id="form" name="form">{options}</select>'
        '<label for="typed">Code</label><input id="typed" name="typed">'
        f"<p id=\"chosen\" data-ok-show-if='{json.dumps(CHOSEN)}'>Registernummer</p>"
        f"<p id=\"typed-follow-up\" data-ok-show-if='{json.dumps(TYPED)}'>Vertretung</p>"
        f"</main><script>{SCRIPT.read_text(encoding='utf-8')}</script></body></html>"
    )


@pytest.mark.parametrize("code", ["", "110000", "221100", "X1"])
def test_a_chosen_code_shows_the_follow_up_as_the_server_decides(page, code):
    page.set_content(html())
    page.select_option("#form", code)
    server = evaluate({"field": "form", "between": CHOSEN["between"]}, lambda _name: code)
    assert page.locator("#chosen").is_visible() is server


@pytest.mark.parametrize("typed", ["111000", "114000", "114001", "11100A", " 112000 "])
def test_a_typed_code_shows_the_follow_up_as_the_server_decides(page, typed):
    page.set_content(html())
    page.fill("#typed", typed)
    server = evaluate({"field": "typed", "between": TYPED["between"]}, lambda _n: typed.strip())
    assert page.locator("#typed-follow-up").is_visible() is server
