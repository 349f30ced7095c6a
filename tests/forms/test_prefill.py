"""Prefill with a named origin (forms.engine.prefill): known values go into the applicant's
empty fields, the page names their origin while they are unchanged, a locked (verified)
origin is read-only and survives any post; declarations-only steps belong to the check page."""

from django.template.loader import render_to_string

from openkommune.forms.engine import Origin, Prefill, apply_prefill, keep_locked
from tests.forms.helpers import Page, field, form

KONTO = Origin("konto", "aus Ihrem Konto")
BUNDID = Origin("bundid", "aus Ihrem BundID-Konto", locked=True)


def _definition():
    return form(
        field("vorname", "text"),
        steps=[
            {"id": "person", "title": "Person", "items": [
                {"kind": "group", "id": "halter", "title": "Halter", "items": [
                    field("vorname", "text"),
                    field("nachname", "text"),
                    field("anschrift", "address"),
                    field("email", "email"),
                    field("telefon", "phone"),
                ]},
            ]},
            {"id": "erklaerung", "title": "Erklärung", "items": [
                field("hinweis", "info"),
                field("richtig", "boolean", must_be_true=True),
            ]},
        ],
        applicant={"given_name": "vorname", "family_name": "nachname", "address": "anschrift",
                   "email": "email", "phone": "telefon"},
    )  # fmt: skip


def _render(definition, values, origins) -> Page:
    html = render_to_string(
        "forms/step_fields.html",
        {"definition": definition, "step": definition.step("person"), "values": values,
         "errors": {}, "origins": origins},
    )  # fmt: skip
    return Page(html)


def test_known_values_fill_empty_fields_only_and_are_recorded_with_their_origin():
    definition = _definition()
    data, record = apply_prefill(
        definition,
        {"halter": {"nachname": "Selbst getippt"}},
        [
            Prefill("given_name", "Erika", KONTO),
            Prefill("family_name", "Mustermann", KONTO),
            Prefill("address", {"postcode": "39104", "city": "Magdeburg"}, KONTO),
            Prefill("email", "", KONTO),  # nothing known: nothing filled
            Prefill("organisation", "Firma", KONTO),  # a role the form does not mark
        ],
    )
    assert data == {
        "halter": {
            "vorname": "Erika",
            "nachname": "Selbst getippt",
            "anschrift": {"postcode": "39104", "city": "Magdeburg"},
        }
    }
    assert set(record) == {"halter.vorname", "halter.anschrift.postcode", "halter.anschrift.city"}
    assert record["halter.vorname"] == {
        "origin": "konto", "label": "aus Ihrem Konto", "locked": False, "value": "Erika"
    }  # fmt: skip


def test_the_page_names_the_origin_until_the_value_is_changed():
    definition = _definition()
    data, record = apply_prefill(
        definition, {}, [Prefill("given_name", "Erika", KONTO), Prefill("phone", "0391 1", KONTO)]
    )
    page = _render(definition, data, record)
    hint = page.one("div", id="f-halter-vorname--hint")["_text"]
    assert hint == "Vorausgefüllt aus Ihrem Konto. Sie können die Angabe ändern."
    assert "readonly" not in page.one("input", id="f-halter-vorname")
    data["halter"]["vorname"] = "Eri"
    page = _render(definition, data, record)
    assert page.find("div", id="f-halter-vorname--hint") == []
    assert page.one("div", id="f-halter-telefon--hint")


def test_a_locked_origin_wins_is_read_only_and_survives_a_post():
    definition = _definition()
    data, record = apply_prefill(
        definition,
        {"halter": {"vorname": "Getippt"}},
        [Prefill("given_name", "Erika", KONTO), Prefill("given_name", "Erika Maria", BUNDID)],
    )
    assert data["halter"]["vorname"] == "Erika Maria"
    assert record["halter.vorname"]["origin"] == "bundid"
    page = _render(definition, data, record)
    assert "readonly" in page.one("input", id="f-halter-vorname")
    assert page.one("div", id="f-halter-vorname--hint")["_text"] == (
        "Vorausgefüllt aus Ihrem BundID-Konto (bestätigt, nicht änderbar)."
    )
    posted = {"halter": {"vorname": "Jemand anderes", "nachname": "X"}}
    assert keep_locked(posted, record) == {"halter": {"vorname": "Erika Maria", "nachname": "X"}}
    assert posted["halter"]["vorname"] == "Jemand anderes"  # the input is not changed


def test_a_step_of_declarations_only_is_asked_on_the_check_page():
    definition = _definition()
    assert definition.step("erklaerung").on_check_page
    assert not definition.step("person").on_check_page
