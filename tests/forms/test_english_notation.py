"""Dates and amounts in the English interface: shown in British notation (check page,
messages), while a form's inputs keep the notation the engine reads and the hint asks for
(TT.MM.JJJJ, 12,50), so that a page shown again in English posts back what it shows."""

import datetime

from django.utils import translation

from openkommune.core.formatting import format_date, format_datetime, format_money
from openkommune.forms.engine import answers, validate
from openkommune.forms.engine.rendering import step_widgets
from tests.forms.helpers import field, form


def definition():
    return form(field("tag", "date", label="Tag"), field("betrag", "money", label="Betrag"))


DATA = {"tag": "2024-02-29", "betrag": "1234.50"}


def test_inputs_keep_the_form_s_notation_in_english_and_post_back_valid():
    with translation.override("en"):
        day, amount = step_widgets(definition(), definition().steps[0], DATA)
        assert (day.value, amount.value) == ("29.02.2024", "1234,50")
        posted = {"tag": day.value, "betrag": amount.value}
        assert validate(definition(), posted).errors == {}
    with translation.override("de"):
        day, amount = step_widgets(definition(), definition().steps[0], DATA)
        assert (day.value, amount.value) == ("29.02.2024", "1234,50")


def test_answers_use_the_interface_language_s_notation():
    with translation.override("en"):
        rows = answers(definition(), DATA)[0].rows
        assert [row.text for row in rows] == ["29/02/2024", "1,234.50 €"]
    with translation.override("de"):
        rows = answers(definition(), DATA)[0].rows
        assert [row.text for row in rows] == ["29.02.2024", "1.234,50 €"]


def test_british_dates_and_times_not_american_ones():
    moment = datetime.datetime(2024, 3, 5, 13, 30, tzinfo=datetime.UTC)
    with translation.override("en"):
        assert format_date(datetime.date(2024, 3, 5)) == "05/03/2024"
        assert format_datetime(moment) == "05/03/2024, 14:30"
        assert format_money(1234.5) == "1,234.50 €"
    with translation.override("de"):
        assert format_datetime(moment) == "05.03.2024, 14:30 Uhr"
