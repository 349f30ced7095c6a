"""German display formatting through Django's localisation (core.formatting) and the
template filters every app loads with {% load formatting %}."""

import datetime
from decimal import Decimal

from django.template import Context, Template

from openkommune.core.formatting import (
    format_date,
    format_datetime,
    format_money,
    format_number,
    format_percent,
    format_share,
)
from openkommune.core.timezone import LOCAL_TZ, local_date


def test_money_has_german_separators_two_places_and_commercial_rounding():
    assert format_money(Decimal("1234.5")) == "1.234,50 €"
    assert format_money(Decimal("1234567.005")) == "1.234.567,01 €"
    assert format_money(Decimal("-12.5"), currency=False) == "-12,50"
    assert format_money(0) == "0,00 €"


def test_numbers_keep_their_digits_unless_places_are_given():
    assert format_number(Decimal("12345.678")) == "12.345,678"
    assert format_number(Decimal("12345.678"), grouping=False) == "12345,678"
    assert format_number(Decimal("12345.678"), 2) == "12.345,68"
    assert format_number(2.25, 1) == "2,2"  # half to even, as f"{2.25:.1f}"


def test_percent_and_share():
    assert format_percent(81.55, 1) == "81,5 %"  # the float is just below 81.55
    assert format_share(Decimal("0.815")) == "81,5 %"
    assert format_share(Decimal("1")) == "100,0 %"


def test_dates_are_german_days_in_german_time():
    assert format_date(datetime.date(2026, 3, 5)) == "05.03.2026"
    late_utc = datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)
    assert format_date(late_utc) == "01.01.2027"
    assert local_date(late_utc) == datetime.date(2027, 1, 1)
    assert format_datetime(late_utc) == "01.01.2027, 00:30 Uhr"
    assert str(LOCAL_TZ) == "Europe/Berlin"


def test_template_filters():
    template = Template(
        "{% load formatting %}{{ a|euro }}|{{ s|percent }}|{{ n|number:1 }}|{{ d|date_de }}|"
        "{{ none|euro }}"
    )
    text = template.render(
        Context({"a": Decimal("1299"), "s": "0.5", "n": 1234.56, "d": datetime.date(2026, 1, 2)})
    )
    assert text == "1.299,00 €|50,0 %|1.234,6|02.01.2026|–"


def test_digitalpakt_call_off_choices_show_german_amounts():
    from types import SimpleNamespace

    from openkommune.digitalpakt.forms import ChargeForm, PaymentForm

    call_off = SimpleNamespace(
        public_id="x", reference="A-1", supplier=SimpleNamespace(name="L"), total=Decimal("1234.5")
    )
    charge = ChargeForm(call_offs=[call_off])
    assert charge.fields["call_off"].choices[1][1] == "A-1 – L – 1.234,50 €"
    payment = PaymentForm(positions=[SimpleNamespace(call_off=call_off, open=Decimal("99.9"))])
    assert payment.fields["call_off"].choices[1][1] == "A-1 – offen 99,90 €"
