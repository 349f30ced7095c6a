import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openkommune.members.io import MemberImportError, export_members, import_members, parse_row
from openkommune.members.models import CooperativeMember, MembershipPeriod
from openkommune.tenancy.models import Organisation
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "name;art;ags_oder_ars;beitritt;austritt;austrittsgrund;gruendungsmitglied;"
    "anteile_anzahl;anteile_betrag;bemerkungen\n"
)
GOOD = (
    HEADER
    + "Landeshauptstadt Magdeburg;;15003000;22.12.2009;;;ja;10;5.000,00;\n"
    + "Landkreis Anhalt-Bitterfeld;Landkreis;15082;01.10.2022;;;nein;1;500;Kreistag\n"
    + "KID Magdeburg GmbH;kommunales Unternehmen;;2009-12-22;;;ja;2;1000.00;\n"
)


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


def test_good_file_imports_and_creates_missing_organisations():
    result = import_members(actor=None, data=_csv(GOOD))
    assert result.rows == 3
    assert result.members_created == 3
    magdeburg = CooperativeMember.objects.get(organisation__region_ars="150030000000")
    assert magdeburg.is_founding_member
    assert magdeburg.shares_amount == 5000
    assert magdeburg.organisation.kind == "kreisfreie_stadt"
    abi = CooperativeMember.objects.get(organisation__region_ars="150820000000")
    assert abi.periods.get().joined_on == datetime.date(2022, 10, 1)
    kid = Organisation.objects.get(name="KID Magdeburg GmbH")
    assert kid.kind == "kommunales_unternehmen"
    assert kid.region_ars == ""


def test_import_is_idempotent():
    import_members(actor=None, data=_csv(GOOD))
    again = import_members(actor=None, data=_csv(GOOD))
    assert (again.members_created, again.periods_created, again.periods_changed) == (0, 0, 0)
    assert MembershipPeriod.objects.count() == 3


def test_malformed_rows_are_all_reported_with_row_numbers_and_nothing_is_imported():
    future = (datetime.date.today() + datetime.timedelta(days=10)).strftime("%d.%m.%Y")
    text = (
        HEADER
        + "Landeshauptstadt Magdeburg;;15003000;22.12.2009;;;ja;1;1;\n"  # Zeile 2, fine
        + "Gibt es nicht;;15099999;01.01.2015;;;;;;\n"  # Zeile 3
        + "Landeshauptstadt Magdeburg;;15003000;01.01.2012;;;;;;\n"  # Zeile 4 duplicate
        + f"Gemeinde Barleben;;15083040;{future};;;;;;\n"  # Zeile 5 future
        + "Stadt Zeitz;;15084590;01.01.2015;31.12.2014;;;;;\n"  # Zeile 6 leave < join
        + "Stadt Haldensleben;;15083270;01.01.2015;;;;drei;12,345;\n"  # Zeile 7 numbers
    )
    with pytest.raises(MemberImportError) as caught:
        import_members(actor=None, data=_csv(text))
    errors = caught.value.errors
    joined = "\n".join(errors)
    assert "Zeile 3: AGS 15099999 ist im Gemeindeverzeichnis unbekannt." in errors
    assert "Zeile 4:" in joined
    assert "steht schon in Zeile 2" in joined
    assert f"Zeile 5: Beitrittsdatum {future} liegt in der Zukunft." in errors
    assert "Zeile 6: Austritt (31.12.2014) liegt nicht nach dem Beitritt (01.01.2015)." in errors
    assert any(e.startswith("Zeile 7: anteile_anzahl „drei“") for e in errors)
    assert any(e.startswith("Zeile 7: anteile_betrag „12,345“") for e in errors)
    assert not any(e.startswith("Zeile 2") for e in errors)
    assert not CooperativeMember.objects.exists()
    assert not Organisation.objects.filter(region_ars="150030000000").exists()


def test_conflict_with_existing_register_rolls_back_everything():
    import_members(actor=None, data=_csv(GOOD))
    text = (
        HEADER
        + "Gemeinde Barleben;;15083040;01.01.2015;;;;;;\n"
        + "Landeshauptstadt Magdeburg;;15003000;01.01.2012;;;;;;\n"  # overlaps 2009-
    )
    with pytest.raises(MemberImportError) as caught:
        import_members(actor=None, data=_csv(text))
    assert caught.value.errors[0].startswith("Zeile 3:")
    assert not CooperativeMember.objects.filter(organisation__name="Gemeinde Barleben").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "leer"),
        (b"name;foo\nx;y\n", "Es fehlen die Spalten"),
        (b"PK\x03\x04kaputt", "keine gültige XLSX-Datei"),
    ],
)
def test_bad_files_are_rejected(data, message):
    with pytest.raises(MemberImportError, match=message):
        import_members(actor=None, data=data)


def test_dry_run_writes_nothing():
    result = import_members(actor=None, data=_csv(GOOD), dry_run=True)
    assert result.members_created == 3
    assert not CooperativeMember.objects.exists()


def test_only_staff_may_import():
    with pytest.raises(PermissionDenied):
        import_members(actor=UserFactory(member_admin=True), data=_csv(GOOD))
    import_members(actor=UserFactory(cooperative_staff=True), data=_csv(GOOD))
    assert CooperativeMember.objects.count() == 3


def _register_state():
    return sorted(
        (
            p.member.organisation.name,
            p.member.organisation.kind,
            p.member.organisation.region_ars,
            p.joined_on,
            p.left_on,
            p.leave_reason,
            p.member.is_founding_member,
            p.member.shares_count,
            p.member.shares_amount,
            p.member.notes,
        )
        for p in MembershipPeriod.objects.select_related("member__organisation")
    )


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_round_trip(fmt, django_db_blocker):
    text = (
        GOOD + "Stadt Zeitz;;15084590;01.01.2011;01.01.2016;Austritt zum Jahresende;;;;=SUMME(A1)\n"
    )
    import_members(actor=None, data=_csv(text))
    before = _register_state()
    exported = export_members(fmt)
    MembershipPeriod.objects.all().delete()
    CooperativeMember.objects.all().delete()
    import_members(actor=None, data=exported)
    assert _register_state() == before


def test_xlsx_export_stores_dates_and_numbers_as_such():
    """Issue 19: the register XLSX stored dates and numbers as text."""
    import io

    from openpyxl import load_workbook

    import_members(actor=None, data=_csv(GOOD))
    sheet = load_workbook(io.BytesIO(export_members("xlsx"))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][3:5] == ("beitritt", "austritt")
    magdeburg = next(row for row in rows if row[0] == "Landeshauptstadt Magdeburg")
    assert magdeburg[3] == datetime.datetime(2009, 12, 22)
    assert magdeburg[4] is None
    assert (magdeburg[7], magdeburg[8]) == (10, 5000)
    assert sheet.cell(row=rows.index(magdeburg) + 1, column=4).number_format == "DD.MM.YYYY"
    assert sheet.cell(row=rows.index(magdeburg) + 1, column=9).number_format == "#,##0.00"
    # The CSV keeps the German notation of the import format.
    assert ";22.12.2009;;;ja;10;5000,00;" in export_members("csv").decode("utf-8-sig")


def test_commands(tmp_path):
    source = tmp_path / "register.csv"
    source.write_bytes(_csv(GOOD))
    call_command("import_members", str(source), "--dry-run", verbosity=0)
    assert not CooperativeMember.objects.exists()
    call_command("import_members", str(source), verbosity=0)
    assert CooperativeMember.objects.count() == 3
    target = tmp_path / "export.xlsx"
    call_command("export_members", str(target), verbosity=0)
    assert target.read_bytes()[:2] == b"PK"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv(HEADER + "X;;15099999;01.01.2015;;;;;;\n"))
    with pytest.raises(CommandError, match="Zeile 2: AGS 15099999"):
        call_command("import_members", str(bad), verbosity=0)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "name",
                "art",
                "ags_oder_ars",
                "beitritt",
                "austritt",
                "gruendungsmitglied",
                "anteile_anzahl",
                "anteile_betrag",
            ]
        ),
        st.text(max_size=20),
    )
)
@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.django_db
def test_parse_row_never_crashes_and_every_error_names_its_row(raw):
    row, errors = parse_row(7, raw, datetime.date(2026, 1, 1))
    assert (row is None) == bool(errors)
    assert all(error.startswith("Zeile 7: ") for error in errors)
