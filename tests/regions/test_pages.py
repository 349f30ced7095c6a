import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/meine-gemeinde/"


def page(client, **params) -> str:
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def test_url_name():
    assert reverse("regions:my_municipality") == URL


def test_empty_form_is_accessible_and_shows_no_result(client):
    html = page(client)
    assert html.count("<h1") == 1
    assert '<form id="plz-form" method="get"' in html
    assert '<label class="kern-label" for="plz">Postleitzahl' in html
    [field] = re.findall(r"<input[^>]*\bid=\"plz\"[^>]*>", html)
    assert 'name="plz"' in field
    assert 'inputmode="numeric"' in field
    assert 'autocomplete="postal-code"' in field
    assert 'aria-describedby="plz-hint"' in field
    assert "aria-invalid" not in field
    assert 'id="plz-hint"' in html
    assert 'id="ergebnis"' not in html
    assert 'role="alert"' not in html
    assert "<title>Meine Gemeinde \u2013 OpenKommune</title>" in html


def test_result_for_magdeburg(client):
    html = page(client, plz="39104")
    result = html[html.index('id="ergebnis"') :]
    assert "Magdeburg, Landeshauptstadt" in result
    assert "15003000" in result
    assert "150030000000" in result
    assert "Sachsen-Anhalt" in result
    assert "Kreisfreie Stadt" in result
    assert "244.329" in result  # German thousands separator
    assert "201,68" in result
    assert "keiner (verbandsfrei)" in result
    assert '<th scope="row"' in result
    assert result.count('<th scope="col"') == 9
    assert "<caption" in result
    assert 'value="39104"' in html


def test_result_with_verbandsgemeinde_and_several_gemeinden(client):
    html = page(client, plz="38489")
    result = html[html.index('id="ergebnis"') :]
    for name in ("Beetzendorf", "Jübar", "Rohrberg", "Beetzendorf-Diesdorf", "Verbandsgemeinde"):
        assert name in result
    assert "reicht in 3 Gemeinden" in result
    assert "Altmarkkreis Salzwedel" in result


def test_koethen(client):
    html = page(client, plz="06366")
    assert "Köthen (Anhalt), Stadt" in html
    assert "Anhalt-Bitterfeld" in html
    assert "Landkreis" in html


def test_spaces_in_the_postcode_are_ignored(client):
    html = page(client, plz=" 39 104 ")
    assert "15003000" in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("3910", "genau fünf Ziffern"),
        ("abcde", "genau fünf Ziffern"),
        ("", "Bitte geben Sie eine Postleitzahl ein."),
    ],
)
def test_invalid_postcode_shows_summary_and_field_error_and_keeps_input(client, typed, message):
    html = page(client, plz=typed)
    assert 'role="alert"' in html
    summary = html[html.index('role="alert"') : html.index("<h1")]
    assert 'href="#plz"' in summary
    assert message in summary
    [field] = re.findall(r"<input[^>]*\bid=\"plz\"[^>]*>", html)
    assert 'aria-invalid="true"' in field
    assert "plz-error" in re.search(r'aria-describedby="([^"]*)"', field).group(1)
    assert f'value="{typed}"' in field or (typed == "" and "value=" not in field)
    assert 'id="plz-error"' in html
    assert message in html[html.index('id="plz-error"') :]
    assert 'id="ergebnis"' not in html
    assert html.count("<h1") == 1
    assert "<title>Fehler: " in html


def test_hostile_input_is_escaped_and_kept(client):
    html = page(client, plz='<script>alert("x")</script>')
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_unknown_postcode_is_explained(client):
    html = page(client, plz="00000")
    result = html[html.index('id="ergebnis"') :]
    assert "Für die Postleitzahl 00000 ist uns keine Gemeinde bekannt." in result
    assert "<table" not in result
    assert 'role="alert"' not in html


def test_only_get_is_allowed(client):
    assert client.post(URL, {"plz": "39104"}).status_code == 405
