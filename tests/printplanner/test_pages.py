"""The planner's pages: import, today's figures, a scenario with its assumptions, the report
PDF whose totals this test recomputes from the inputs on its own, and tenancy."""

import csv
import datetime
import io
import math
import re
from fractions import Fraction

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from openkommune.printplanner import services
from openkommune.printplanner.models import SCENARIO_FIELDS, Inventory, Scenario
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.printplanner.factories import SAMPLE
from tests.submissions.factories import pdf_text

pytestmark = pytest.mark.django_db


def _member(user):
    with scopes_disabled():
        return user.memberships.get().tenant


def _scenario_post(scenario, *, separator: str = ",", **changes) -> dict:
    """The scenario form as the browser sends it (German notation, or English with ".")."""
    data = {"name": scenario.name}
    for name in SCENARIO_FIELDS:
        value = getattr(scenario, name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value).replace(".", separator)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- an independent recomputation of the report's totals ------------------------------------


def _number(text: str) -> Fraction:
    text = text.strip()
    return Fraction(text.replace(".", "").replace(",", ".")) if text else Fraction(0)


def _half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def _euro_text(value: Fraction) -> str:
    cents = _half_up(value * 100)
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros:,}".replace(",", ".") + f",{rest:02d} €"


def _expected_totals(csv_bytes: bytes) -> dict[str, str]:
    """Today's and the scenario's five-year totals for the default assumptions (paper 1 ct per
    sheet, 10 % duplex today, 5 years' service life; 15 employees per device, 60 € a month,
    clicks 0.6 / 4.5 ct, energy 0.1 ct, 150 € installation, follow-me 120 € a year and 2,000 €
    once with 5/10/15 % fewer pages, 10/20/30 % colour to mono, 40/55/70 % duplex, 2 % a year),
    written from docs/print-planner.md without the application's code."""
    rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8")), delimiter=";"))
    employees, devices = {}, {}
    fixed = variable = Fraction(0)
    mono_total = colour_total = 0
    for row in rows:
        site = row["standort"]
        employees[site] = int(row["beschaeftigte"])
        devices[site] = devices.get(site, 0) + 1
        start = datetime.datetime.strptime(row["zeitraum_von"], "%d.%m.%Y").date()
        end = datetime.datetime.strptime(row["zeitraum_bis"], "%d.%m.%Y").date()
        days = (end - start).days + 1
        mono = _half_up(Fraction(int(row["seiten_mono"]) * 365, days))
        colour = _half_up(Fraction(int(row["seiten_farbe"] or 0) * 365, days))
        mono_total += mono
        colour_total += colour
        if row["beschaffung"] == "leasing":
            fixed += _number(row["leasingrate_monat"]) * 12
        else:
            fixed += _number(row["kaufpreis"]) / 5
        variable += mono * _number(row["toner_mono_seite"])
        variable += colour * _number(row["toner_farbe_seite"])
        per_page = _number(row["service_seite"]) + _number(row["energie_seite"])
        variable += (mono + colour) * per_page
        variable += (mono + colour) * Fraction(95, 100) * Fraction(1, 100)
    growth = [Fraction(102, 100) ** year for year in range(5)]
    today = sum(fixed + variable * g for g in growth)
    count = sum(min(n, max(1, math.ceil(Fraction(employees[s], 15)))) for s, n in devices.items())
    totals = {"today": _euro_text(today)}
    for case, (fewer, shift, duplex) in {
        "low": (15, 30, 70),
        "expected": (10, 20, 55),
        "high": (5, 10, 40),
    }.items():
        kept = 1 - Fraction(fewer, 100)
        pages = (mono_total + colour_total) * kept
        colour = colour_total * kept * (1 - Fraction(shift, 100))
        mono = pages - colour
        case_fixed = count * 60 * 12 + count * 120
        case_variable = (
            mono * Fraction(6, 1000)
            + colour * Fraction(45, 1000)
            + pages * Fraction(1, 1000)
            + pages * (1 - Fraction(duplex, 200)) * Fraction(1, 100)
        )
        tco = sum(case_fixed + case_variable * g for g in growth) + count * 150 + 2000
        totals[case] = _euro_text(tco)
        totals[f"savings-{case}"] = _euro_text(today - tco)
    return totals


# --- pages ------------------------------------------------------------------------------------


def test_member_imports_plans_and_gets_the_report(client):
    clerk = UserFactory(clerk=True)
    client.force_login(clerk)
    index = reverse("printplanner:index")
    assert 'id="kein-bestand"' in client.get(index).text

    bad = client.post(
        index,
        {"title": "Kaputt", "datei": SimpleUploadedFile("x.csv", b"standort;modell\nA;B\n")},
    )
    assert bad.status_code == 422
    assert "Nichts importiert" in bad.text
    assert "Es fehlen die Spalten beschaeftigte" in bad.text
    with scopes_disabled():
        assert not Inventory.objects.exists()

    done = client.post(
        index,
        {"title": "Zählung März", "datei": SimpleUploadedFile("inventar.csv", SAMPLE.read_bytes())},
    )
    assert done.status_code == 302
    page = client.get(done.url).text
    assert "Zählung März" in page
    assert 'id="kosten-je-seite"' in page
    assert "Bürgerbüro" in page

    created = client.post(done.url, {"szenario": "1", "name": "Konsolidierung"})
    assert created.status_code == 302
    with scopes_disabled():
        scenario = Scenario.objects.get()
    assert scenario.name == "Konsolidierung"
    assert scenario.target_employees_per_device == 15

    # A range out of order: German error at the form, nothing changed.
    wrong = client.post(created.url, _scenario_post(scenario, follow_me_reduction_min="50,0"))
    assert wrong.status_code == 422
    assert "mindestens ≤ erwartet ≤ höchstens" in wrong.text
    with scopes_disabled():
        scenario.refresh_from_db()
    assert scenario.follow_me_reduction_min == 5

    changed = client.post(created.url, _scenario_post(scenario, target_employees_per_device="12,5"))
    assert changed.status_code == 302
    with scopes_disabled():
        scenario.refresh_from_db()
        actions = set(
            AuditRecord.objects.filter(tenant=_member(clerk)).values_list("action", flat=True)
        )
    assert str(scenario.target_employees_per_device) == "12.5"
    assert {
        "printplanner.inventory_import",
        "printplanner.scenario_create",
        "printplanner.scenario_update",
    } <= actions

    # Back to the defaults' ratio for the recomputation below.
    client.post(created.url, _scenario_post(scenario, target_employees_per_device="15,0"))
    expected = _expected_totals(SAMPLE.read_bytes())
    html = client.get(created.url).text
    assert f'id="tco-heute">{expected["today"]}<' in html
    for case in ("low", "expected", "high"):
        assert f'id="tco-{case}">{expected[case]}<' in html
        assert f'id="einsparung-{case}">{expected["savings-" + case]}<' in html
    assert 'role="img"' in html

    report = client.get(reverse("printplanner:report", args=[scenario.public_id]))
    assert report.status_code == 200
    assert report["Content-Type"] == "application/pdf"
    text = pdf_text(report.content)
    for key, value in expected.items():
        assert value in text, (key, value)
    assert "Beispieldaten, nicht real" in text  # the devices appendix names the demo models


def test_inventory_assumptions_are_fields_and_change_the_figures(client):
    clerk = UserFactory(member_admin=True)
    client.force_login(clerk)
    inventory = services.inventory_import(
        tenant=_member(clerk), actor=clerk, title="Bestand", file=SAMPLE.read_bytes()
    )
    url = reverse("printplanner:inventory", args=[inventory.public_id])
    before = client.get(url).text
    bad = client.post(
        url,
        {
            "annahmen": "1",
            "paper_per_sheet": "abc",
            "current_duplex_percent": "120",
            "service_life_years": "0",
        },
    )
    assert bad.status_code == 422
    assert "Bitte prüfen Sie Ihre Eingaben" in bad.text
    ok = client.post(
        url,
        {
            "annahmen": "1",
            "paper_per_sheet": "0,0200",
            "current_duplex_percent": "30,0",
            "service_life_years": "4",
        },
    )
    assert ok.status_code == 302
    with scopes_disabled():
        inventory.refresh_from_db()
    assert (str(inventory.paper_per_sheet), inventory.service_life_years) == ("0.0200", 4)
    after = client.get(url).text
    assert (
        before.split('id="heute-kosten-jahr">')[1][:20]
        != after.split('id="heute-kosten-jahr">')[1][:20]
    )


def test_another_member_sees_nothing_and_gets_404(client):
    owner = UserFactory(clerk=True)
    inventory = services.inventory_import(
        tenant=_member(owner), actor=owner, title="Geheimer Bestand", file=SAMPLE.read_bytes()
    )
    scenario = services.scenario_create(inventory=inventory, actor=owner, name="Geheim")
    other = UserFactory(member_admin=True)
    client.force_login(other)
    assert "Geheimer Bestand" not in client.get(reverse("printplanner:index")).text
    for name, target in (
        ("printplanner:inventory", inventory),
        ("printplanner:inventory_delete", inventory),
        ("printplanner:scenario", scenario),
        ("printplanner:report", scenario),
    ):
        assert client.get(reverse(name, args=[target.public_id])).status_code == 404
    url = reverse("printplanner:scenario", args=[scenario.public_id])
    assert client.post(url, _scenario_post(scenario, name="Übernommen")).status_code == 404
    gone = reverse("printplanner:inventory_delete", args=[inventory.public_id])
    assert client.post(gone).status_code == 404
    with scopes_disabled():
        scenario.refresh_from_db()
        assert Inventory.objects.filter(pk=inventory.pk).exists()
    assert scenario.name == "Geheim"


def test_login_required_and_citizens_refused(client):
    index = reverse("printplanner:index")
    assert client.get(index).status_code == 302
    client.force_login(UserFactory())
    assert client.get(index).status_code == 403
    assert client.get(reverse("printplanner:sample_file")).status_code == 403


def test_sample_file_download_and_inventory_delete(client):
    clerk = UserFactory(clerk=True)
    client.force_login(clerk)
    sample = client.get(reverse("printplanner:sample_file"))
    assert sample.status_code == 200
    assert "Beispieldaten, nicht real" in sample.content.decode("utf-8")
    assert "attachment" in sample["Content-Disposition"]
    inventory = services.inventory_import(
        tenant=_member(clerk), actor=clerk, title="Weg damit", file=SAMPLE.read_bytes()
    )
    services.scenario_create(inventory=inventory, actor=clerk)
    url = reverse("printplanner:inventory_delete", args=[inventory.public_id])
    assert "wirklich löschen" in client.get(url).text
    assert client.post(url).status_code == 302
    with scopes_disabled():
        assert not Inventory.objects.exists()
        assert not Scenario.objects.exists()
        assert AuditRecord.objects.filter(action="printplanner.inventory_delete").exists()


def test_pages_in_english_use_british_notation(client, settings):
    clerk = UserFactory(clerk=True)
    inventory = services.inventory_import(
        tenant=_member(clerk), actor=clerk, title="Bestand", file=SAMPLE.read_bytes()
    )
    scenario = services.scenario_create(inventory=inventory, actor=clerk, name="Plan")
    client.force_login(clerk)
    url = reverse("printplanner:scenario", args=[scenario.public_id])
    german = client.get(url).text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).text
    assert '<html lang="en"' in english
    assert "Total cost (TCO)" in english
    assert "Target: employees per device" in english
    total = re.search(r'id="tco-heute">([^<]+)<', english).group(1)
    assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{2} €", total), total
    assert re.search(r'id="tco-heute">\d{1,3}(\.\d{3})*,\d{2} €<', german)
    # The assumption fields show and take the English notation.
    assert 'value="0.0060"' in english
    # A German comma is no decimal point in English: refused, not read as 60.
    wrong = client.post(url, _scenario_post(scenario, separator=".", click_mono="0,006"))
    assert wrong.status_code == 422
    changed = client.post(url, _scenario_post(scenario, separator=".", click_mono="0.0070"))
    assert changed.status_code == 302
    with scopes_disabled():
        scenario.refresh_from_db()
    assert str(scenario.click_mono) == "0.0070"


@pytest.mark.parametrize(
    ("language", "typed", "value"),
    [
        ("de", "2.000,00", "2000.00"),
        ("de", "2000,5", "2000.5"),
        ("de", "2.000", "2000"),
        ("de", "0.006", "0.006"),
        ("de", "60,00 €", "60.00"),
        ("en", "2,000.00", "2000.00"),
        ("en", "0.006", "0.006"),
        ("en", "15,0", None),
    ],
)
def test_numbers_are_read_in_the_interface_language(language, typed, value):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from openkommune.printplanner.forms import NumberField

    field = NumberField(max_digits=10, decimal_places=4)
    with translation.override(language):
        if value is None:
            with pytest.raises(ValidationError):
                field.clean(typed)
        else:
            assert str(field.clean(typed)) == value
