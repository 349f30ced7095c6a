"""forms/step_fields.html and the error summary: KERN markup, labels, linked errors, repeat
buttons; what a page posts back parses into the same data."""

import datetime

from django.template.loader import render_to_string

from openkommune.forms.engine import parse_step_post, validate
from openkommune.forms.engine.rendering import error_summary_entries, step_widgets
from tests.forms.helpers import Page, field, fixture_definition, form
from tests.translation_probe import marked_translations

TODAY = datetime.date(2025, 6, 15)
UUID = "0b6f8a52-3c1e-4d8e-9a77-6c1f2f0e1a10"


def render(definition, step_id, values, errors=None, file_names=None) -> Page:
    html = render_to_string(
        "forms/step_fields.html",
        {"definition": definition, "step": definition.step(step_id), "values": values,
         "errors": errors or {}, "file_names": file_names},
    )  # fmt: skip
    return Page(html)


def test_text_fields_have_labels_hints_and_optional_markers():
    page = render(fixture_definition(), "halter", {})
    vorname = page.one("input", id="f-person-vorname")
    assert vorname["name"] == "person.vorname"
    assert vorname["autocomplete"] == "given-name"
    assert page.one("label", for_="f-person-vorname")["_text"] == "Vorname"
    assert page.one("label", for_="f-person-email")["_text"] == "E-Mail-Adresse – optional"
    assert page.one("input", id="f-person-email")["type"] == "email"
    birthday = page.one("input", id="f-person-geburtsdatum")
    assert birthday["aria-describedby"] == "f-person-geburtsdatum--hint"
    assert page.one("div", id="f-person-geburtsdatum--hint")
    # Groups and addresses are fieldsets with a legend.
    assert page.one("fieldset", id="f-person")
    assert page.one("input", id="f-person-anschrift-postcode")["autocomplete"] == "postal-code"


def test_errors_are_linked_to_their_fields_and_summarised_in_page_order():
    definition = fixture_definition()
    data = {"anlass": "an", "person": {"vorname": "x" * 61, "anschrift": {"postcode": "1"}}}
    errors = validate(definition, data, today=TODAY).errors
    page = render(definition, "halter", data, errors)
    vorname = page.one("input", id="f-person-vorname")
    assert vorname["aria-invalid"] == "true"
    assert vorname["aria-describedby"] == "f-person-vorname--error"
    assert vorname["value"] == "x" * 61  # what was typed stays
    assert page.one("p", id="f-person-vorname--error")["_text"] == (
        "„Vorname“ darf höchstens 60 Zeichen lang sein."
    )
    entries = error_summary_entries(definition, definition.step("halter"), data, errors)
    assert [href for href, _message in entries] == [
        "#f-person-vorname", "#f-person-nachname", "#f-person-geburtsdatum",
        "#f-person-anschrift-street", "#f-person-anschrift-postcode", "#f-person-anschrift-city",
    ]  # fmt: skip
    assert {href[1:] for href, _message in entries} <= page.ids()
    # Errors of other steps are not part of this page's summary.
    assert all("Lastschrift" not in message for _href, message in entries)


def test_summary_template_lists_links():
    entries = [("#f-a", "Bitte geben Sie „A“ an.")]
    html = render_to_string("includes/error_summary.html", {"entries": entries})
    page = Page(html)
    assert page.one("div", id="fehlerzusammenfassung")["role"] == "alert"
    assert page.one("a", href="#f-a")
    assert render_to_string("includes/error_summary.html", {"entries": []}).strip() == ""


def test_repeated_group_entries_and_buttons():
    definition = fixture_definition()
    values = {"anlass": "an", "hunde": [{"hund_name": "Bello"}, {"hund_name": "Rex"}]}
    page = render(definition, "hund", values)
    assert page.one("input", name="hunde._count")["value"] == "2"
    assert page.one("fieldset", id="f-hunde-0")
    assert page.one("input", id="f-hunde-1-hund_name")["value"] == "Rex"
    removes = page.find("button", name="_remove")
    assert [b["value"] for b in removes] == ["hunde.0", "hunde.1"]
    assert removes[1]["_text"] == "Entfernen: Hund 2"
    add = page.one("button", name="_add")
    assert (add["value"], add["_text"]) == ("hunde", "Weiteren Eintrag „Hund“ hinzufügen")
    # Enter in a text field must not press "Entfernen": a default button comes first.
    first_button = next(a for t, a in page.elements if t == "button")
    assert "name" not in first_button


def test_repeat_at_min_has_no_remove_and_at_max_no_add():
    definition = fixture_definition()
    page = render(definition, "hund", {"anlass": "an"})
    assert page.one("input", name="hunde._count")["value"] == "1"  # min 1: one empty entry
    assert page.find("button", name="_remove") == []
    page = render(definition, "hund", {"anlass": "an", "hunde": [{}, {}, {}]})
    assert page.find("button", name="_add") == []


def test_choices_as_radios_checkboxes_and_select():
    definition = fixture_definition()
    page = render(definition, "anlass_schritt", {"anlass": "ab"})
    radios = page.find("input", type="radio", name="anlass")
    assert [r["id"] for r in radios] == ["f-anlass", "f-anlass-2"]
    assert "checked" in radios[1]
    assert page.one("label", for_="f-anlass-2")["_text"] == "Abmeldung"
    page = render(definition, "hund", {"anlass": "an", "hunde": [{"merkmale": ["chip"],
                                                                  "rasse": "pudel"}]})  # fmt: skip
    boxes = page.find("input", type="checkbox", name="hunde.0.merkmale")
    assert [("checked" in b) for b in boxes] == [True, False, False]
    assert page.one("select", id="f-hunde-0-rasse")
    payment = render(definition, "zahlung", {"lastschrift": True})
    yes, no = payment.find("input", type="radio", name="lastschrift")
    assert (yes["value"], "checked" in yes, no["value"]) == ("ja", True, "nein")


def test_conditions_on_other_steps_hide_and_on_this_step_explain():
    definition = fixture_definition()
    page = render(definition, "zahlung", {"lastschrift": False})
    # iban depends on a field of this same page: shown, with a sentence saying when.
    hint = page.one("div", id="f-iban--hint")
    assert hint["_text"].startswith("Nur nötig, wenn Sie bei „Möchten Sie am")
    # A step hidden by an answer elsewhere has nothing to show.
    assert step_widgets(definition, definition.step("hund"), {"anlass": "ab"}) == []
    hidden = form(
        field("a", "boolean"),
        field("b", "text", visible_if={"field": "a", "equals": True}),
        steps=[
            {"id": "s1", "title": "Eins", "items": [field("a", "boolean")]},
            {"id": "s2", "title": "Zwei", "items": [
                field("b", "text", visible_if={"field": "a", "equals": True}),
                field("c", "text"),
            ]},
        ],
    )  # fmt: skip
    page = render(hidden, "s2", {"a": False})
    assert page.find("input", name="b") == []
    assert page.find("input", name="c")
    assert render(hidden, "s2", {"a": True}).find("input", name="b")


def test_file_fields_show_limits_and_the_uploaded_file():
    definition = fixture_definition()
    values = {"anlass": "an", "hunde": [{"merkmale": ["blind"], "nachweis": UUID}]}
    page = render(definition, "hund", values, file_names={UUID: "ausweis.pdf"})
    upload = page.one("input", type="file")
    assert upload["accept"] == "application/pdf,image/jpeg"
    hint = page.one("div", id="f-hunde-0-nachweis--hint")["_text"]
    assert "Erlaubte Dateitypen: PDF, JPEG. Höchstens 5 MB." in hint
    assert page.one("input", type="hidden", name="hunde.0.nachweis")["value"] == UUID
    assert any(p["_text"] == "Hochgeladen: ausweis.pdf" for p in page.find("p"))
    assert page.one("button", value="hunde.0.nachweis")["name"] == "_remove"


def test_info_fields_are_text():
    page = render(fixture_definition(), "anlass_schritt", {})
    info = page.one("div", id="f-hinweis")
    assert info["class"] == "ok-form-info"
    assert page.find("input", name="hinweis") == []


def test_typed_values_are_shown_in_german_notation_and_escaped():
    definition = form(
        field("tag", "date"), field("betrag", "money"), field("text", "text", label="<b>Böse</b>")
    )
    page = render(definition, "eins", {"tag": "2024-02-29", "betrag": "12.50", "text": '"><x>'})
    assert page.one("input", name="tag")["value"] == "29.02.2024"
    assert page.one("input", name="betrag")["value"] == "12,50"
    assert page.one("input", name="text")["value"] == '"><x>'
    assert page.find("x") == []
    assert page.find("b") == []


def test_what_the_page_posts_parses_back_into_the_same_fragment():
    definition = fixture_definition()
    values = {
        "anlass": "an",
        "hunde": [
            {"hund_name": "Bello", "rasse": "dackel", "merkmale": ["chip", "blind"],
             "chipnummer": "", "gewicht": "12,5", "gehalten_seit": "01.03.2020",
             "gehalten_bis": "", "nachweis": UUID},
            {"hund_name": "Rex", "rasse": "", "merkmale": [], "chipnummer": "276098100123456",
             "gewicht": "", "gehalten_seit": "", "gehalten_bis": "", "nachweis": ""},
        ],
    }  # fmt: skip
    page = render(definition, "hund", values)
    assert parse_step_post(definition, "hund", page.posted()) == {"hunde": values["hunde"]}
    halter = {"person": {"vorname": "Anna", "nachname": "", "geburtsdatum": "",
                         "anschrift": {"street": "Weg", "house_number": "", "postcode": "",
                                       "city": ""},
                         "email": "", "telefon": "0391 1"}}  # fmt: skip
    page = render(definition, "halter", halter)
    assert parse_step_post(definition, "halter", page.posted()) == halter


def test_file_type_names_in_the_hint_are_translated():
    definition = form(field("datei", "file", accept=["application/pdf", "text/plain"]))
    with marked_translations():
        [widget] = step_widgets(definition, definition.steps[0], {})
    assert "⟦PDF⟧, ⟦Text (TXT)⟧" in widget.hint


def test_follow_up_of_a_question_hidden_by_another_step_is_hidden_too():
    """The dog licence's registration used to show the deregistration's follow-ups (new
    holder, new address) with hints about a question that was not on the page."""
    definition = form(
        field("anlass", "boolean"),
        steps=[
            {"id": "s1", "title": "Eins", "items": [field("anlass", "boolean")]},
            {"id": "s2", "title": "Zwei", "items": [
                field("grund", "boolean", visible_if={"field": "anlass", "equals": False}),
                field("neu", "text", visible_if={"field": "grund", "equals": True}),
                field("beides", "text", visible_if={"any": [
                    {"field": "anlass", "equals": False}, {"field": "c", "equals": True}]}),
                field("c", "boolean"),
            ]},
        ],
    )  # fmt: skip
    page = render(definition, "s2", {"anlass": True})
    assert page.find("input", name="grund") == []
    assert page.find("input", name="neu") == []
    # An `any` still open on this page names only its open part.
    hint = page.one("div", id="f-beides--hint")
    assert hint["_text"] == "Nur nötig, wenn Sie bei „C“ „Ja“ angegeben haben."
    # With the question shown, its follow-up is shown with the sentence saying when.
    page = render(definition, "s2", {"anlass": False})
    assert page.find("input", name="neu")
    assert page.one("div", id="f-neu--hint")["_text"].startswith("Nur nötig, wenn Sie bei „Grund“")
