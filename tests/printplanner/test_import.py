"""The device inventory import: every row checked, clear German errors with line and column,
nothing stored on bad input; CSV and XLSX through the shared table reader."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from openkommune.printplanner import services
from openkommune.printplanner.constants import Acquisition, DeviceKind
from openkommune.printplanner.io import InventoryImportError, parse_inventory
from openkommune.printplanner.models import Device, Inventory, Site
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.printplanner.factories import GOOD_ROWS, HEADER, SAMPLE, csv_file

pytestmark = pytest.mark.django_db


def _clerk():
    user = UserFactory(clerk=True)
    with scopes_disabled():
        return user, user.memberships.get().tenant


def _errors(data: bytes) -> list[str]:
    with pytest.raises(InventoryImportError) as caught:
        parse_inventory(data)
    return caught.value.errors


def test_sample_file_imports_with_sites_devices_and_audit():
    user, tenant = _clerk()
    inventory = services.inventory_import(
        tenant=tenant,
        actor=user,
        title="Zählung März",
        file=SAMPLE.read_bytes(),
        source_name="beispiel.csv",
    )
    with scopes_disabled():
        sites = list(Site.objects.filter(inventory=inventory).values_list("name", "employees"))
        assert sites == [("Rathaus", 120), ("Bürgerbüro", 25), ("Bauhof", 12)]
        assert Device.objects.filter(inventory=inventory).count() == 20
        copier = Device.objects.get(inventory=inventory, kind=DeviceKind.COPIER)
        assert copier.acquisition == Acquisition.LEASE
        assert copier.monthly_rate == Decimal("89.00")
        assert (copier.pages_mono, copier.pages_colour, copier.period_days) == (6420, 1880, 28)
        assert all("Beispieldaten, nicht real" in d.model for d in Device.objects.all())
        record = AuditRecord.objects.get(action="printplanner.inventory_import")
    assert record.tenant == tenant
    assert record.after["devices"] == 20
    assert record.after["sites"] == 3


def test_xlsx_is_read_like_csv():
    user, tenant = _clerk()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(";"))
    sheet.append(
        [
            "Rathaus",
            12,
            "Testgerät",
            "multifunktion",
            "farbe",
            "kauf",
            None,
            1200.5,
            "01.03.2026",
            "28.03.2026",
            1000,
            250,
            0.012,
            0.06,
            0.004,
            0.001,
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    inventory = services.inventory_import(
        tenant=tenant, actor=user, title="XLSX", file=buffer.getvalue()
    )
    with scopes_disabled():
        device = Device.objects.get(inventory=inventory)
    assert device.purchase_price == Decimal("1200.50")
    assert device.toner_colour == Decimal("0.0600")
    assert device.kind == DeviceKind.MULTIFUNCTION


def test_every_bad_row_is_named_and_nothing_is_stored():
    user, tenant = _clerk()
    data = csv_file(
        GOOD_ROWS[0],
        "A;20;Drucker;drucker;bunt;leasing;30,00;;01.03.2026;14.03.2026;10;;0,02;;0;0",
        "A;20;Drucker;drucker;mono;leasing;;;01.03.2026;14.03.2026;10;5;0,02;;0;0",
        "A;21;Drucker;drucker;mono;kauf;;100;31.02.2026;14.03.2026;10;;0,02;;0;0",
        "A;20;Drucker;drucker;mono;kauf;;100;14.03.2026;01.03.2026;-5;;0,00005;;0;0",
        "C;;Drucker;drucker;farbe;kauf;;100;01.03.2026;14.03.2026;10;3;0,02;;0;0",
    )
    errors = _errors(data)
    assert errors == [
        "Zeile 3, Spalte druckart: „bunt“ ist nicht erlaubt; bitte mono oder farbe angeben.",
        "Zeile 4, Spalte leasingrate_monat: Dieser Wert fehlt.",
        "Zeile 4, Spalte seiten_farbe: Ein Schwarzweiß-Gerät druckt keine Farbseiten; "
        "bitte druckart prüfen.",
        "Zeile 5, Spalte zeitraum_von: „31.02.2026“ ist kein Datum im Format TT.MM.JJJJ.",
        "Zeile 5, Spalte beschaeftigte: Der Standort „A“ hat in Zeile 2 20 Beschäftigte.",
        "Zeile 6, Spalte zeitraum_bis: Das Ende liegt vor dem Beginn des Zeitraums.",
        "Zeile 6, Spalte seiten_mono: „-5“ ist keine ganze Zahl ≥ 0.",
        "Zeile 6, Spalte toner_mono_seite: „0,00005“ ist kein Betrag ≥ 0 in Euro mit höchstens "
        "4 Nachkommastellen (z. B. 0,0123).",
        "Zeile 7, Spalte toner_farbe_seite: Dieser Wert fehlt.",
        "Zeile 7, Spalte beschaeftigte: Für den Standort „C“ fehlt die Zahl der Beschäftigten "
        "(in mindestens einer Zeile des Standorts angeben).",
    ]
    with pytest.raises(InventoryImportError):
        services.inventory_import(tenant=tenant, actor=user, title="Fehlerhaft", file=data)
    with scopes_disabled():
        assert not Inventory.objects.exists()
        assert not Device.objects.exists()
        assert not AuditRecord.objects.filter(action__startswith="printplanner").exists()


def test_missing_and_unknown_columns_are_named():
    errors = _errors(b"standort;modell;farbe\nRathaus;X;ja\n")
    assert errors[0].startswith("Zeile 1: Es fehlen die Spalten beschaeftigte, druckart,")
    assert errors[1].startswith("Zeile 1: Unbekannte Spalten farbe (erlaubt: standort,")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Die Datei ist leer."),
        (HEADER.encode() + b"\n", "Die Datei enthält keine Geräte."),
        (b"PK\x03\x04kaputt", None),
    ],
)
def test_unusable_files_are_refused(data, message):
    errors = _errors(data)
    if message:
        assert errors == [message]
    else:
        assert errors
        assert errors[0]


def test_future_period_and_thousands_separators():
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=5), today + datetime.timedelta(days=1)
    future = csv_file(
        f"A;5;Drucker;drucker;mono;kauf;;100;{start:%d.%m.%Y};{end:%d.%m.%Y};10;;0,02;;0;0"
    )
    assert _errors(future) == [
        "Zeile 2, Spalte zeitraum_bis: Das Ende des Zeitraums liegt in der Zukunft."
    ]
    grouped = csv_file(
        "A;1.250;Drucker;drucker;mono;kauf;;1.234,50;01.03.2026;28.03.2026;12.480;;0,02;;0;0"
    )
    parsed = parse_inventory(grouped)
    assert parsed.sites[0].employees == 1250
    assert parsed.devices[0].pages_mono == 12_480
    assert parsed.devices[0].purchase_price == Decimal("1234.50")


def test_a_person_without_a_role_cannot_import():
    from django.core.exceptions import PermissionDenied

    _user, tenant = _clerk()
    citizen = UserFactory()
    with pytest.raises(PermissionDenied):
        services.inventory_import(tenant=tenant, actor=citizen, title="X", file=SAMPLE.read_bytes())
