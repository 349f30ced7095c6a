"""Guards of `import_catalog` against releases that would damage the live catalogue: empty or
header-only files, a release that retires a large share of the OZG-Leistungen, values too
long or too large for a column, and a concurrent import. Every refusal changes nothing."""

import csv
import io
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from openkommune.catalog.models import OzgLeistung, Themenfeld
from openkommune.catalog.ozg_catalog import FieldLimits, catalog_field_limits, parse_catalog
from openkommune.catalog.services import catalog_import
from openkommune.core.errors import OfficialFileError
from tests.catalog.helpers import (
    HUNDESTEUER_LINE,
    LAGEN,
    LEISTUNGEN,
    OFFICIAL_DIR,
    THEMENFELDER,
    ZUORDNUNG,
    CatalogCopy,
    catalog_snapshot,
)

pytestmark = pytest.mark.django_db

INT_MAX = 2_147_483_647
LINE_10160 = 153  # "10160,Hundehaltung,Tierhaltung,Engagement & Hobby,15" in ozg_leistungen.csv


def run(copy: CatalogCopy, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_catalog", "--source-dir", str(copy.folder), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _rewrite(copy: CatalogCopy, name: str, keep) -> None:
    """Rewrite a file through the csv module, keeping the header and the rows `keep` accepts."""
    with copy.path(name).open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    index = {column: i for i, column in enumerate(header)}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(row for row in rows if keep({c: row[i] for c, i in index.items()}))
    copy.path(name).write_text(buffer.getvalue(), encoding="utf-8")


def _drop_half_the_leistungen(copy: CatalogCopy) -> int:
    with copy.path(LEISTUNGEN).open(encoding="utf-8", newline="") as handle:
        ids = [row["ozg_id"] for row in csv.DictReader(handle)]
    dropped = set(ids[1::2])
    _rewrite(copy, LEISTUNGEN, lambda row: row["ozg_id"] not in dropped)
    _rewrite(copy, ZUORDNUNG, lambda row: row["ozg_id"] not in dropped)
    return len(dropped)


# --- empty and header-only files -----------------------------------------------------------


@pytest.mark.parametrize("name", [THEMENFELDER, LAGEN, LEISTUNGEN, ZUORDNUNG])
@pytest.mark.parametrize("allow_shrink", [False, True])
def test_header_only_file_is_refused(catalog_copy, name, allow_shrink):
    catalog_copy.write_lines(name, catalog_copy.lines(name)[:1])
    before = catalog_snapshot()
    with pytest.raises(CommandError) as caught:
        run(catalog_copy, *(["--allow-shrink"] if allow_shrink else []))
    assert f"{name}: Die Datei enthält keine Datenzeilen" in str(caught.value)
    assert "unvollständige Datei?" in str(caught.value)
    assert catalog_snapshot() == before


@pytest.mark.parametrize("allow_shrink", [False, True])
def test_zero_byte_file_is_refused(catalog_copy, allow_shrink):
    catalog_copy.path(LEISTUNGEN).write_bytes(b"")
    before = catalog_snapshot()
    with pytest.raises(CommandError, match=f"{LEISTUNGEN}, Zeile 1: Die Datei ist leer"):
        run(catalog_copy, *(["--allow-shrink"] if allow_shrink else []))
    assert catalog_snapshot() == before


def test_header_only_file_is_refused_by_the_service_too(catalog_copy):
    catalog_copy.write_lines(ZUORDNUNG, catalog_copy.lines(ZUORDNUNG)[:1])
    before = catalog_snapshot()
    with pytest.raises(OfficialFileError, match="keine Datenzeilen"):
        catalog_import(source_dir=catalog_copy.folder)
    assert catalog_snapshot() == before


# --- shrink guard --------------------------------------------------------------------------


def test_half_the_leistungen_missing_is_refused_without_allow_shrink(catalog_copy):
    dropped = _drop_half_the_leistungen(catalog_copy)
    before = catalog_snapshot()
    with pytest.raises(CommandError) as caught:
        run(catalog_copy)
    message = str(caught.value)
    assert f"würde {dropped} von 557 aktuellen OZG-Leistungen" in message
    assert "nichts wurde gespeichert" in message
    assert "--allow-shrink" in message
    assert catalog_snapshot() == before


def test_half_the_leistungen_missing_is_imported_with_allow_shrink(catalog_copy):
    dropped = _drop_half_the_leistungen(catalog_copy)
    out, _err = run(catalog_copy, "--allow-shrink")
    assert f"nicht mehr aktuell {dropped})" in out
    assert OzgLeistung.objects.filter(is_current=True).count() == 557 - dropped


def test_dry_run_warns_about_the_shrink(catalog_copy):
    dropped = _drop_half_the_leistungen(catalog_copy)
    before = catalog_snapshot()
    out, _err = run(catalog_copy, "--dry-run")
    assert f"Achtung: Die neue Katalogfassung würde {dropped} von 557" in out
    assert "Probelauf: nichts wurde gespeichert." in out
    assert catalog_snapshot() == before


def test_one_missing_leistung_passes_the_guard(catalog_copy):
    _rewrite(catalog_copy, LEISTUNGEN, lambda row: row["ozg_id"] != "10160")
    _rewrite(catalog_copy, ZUORDNUNG, lambda row: row["ozg_id"] != "10160")
    out, _err = run(catalog_copy)
    assert "OZG-Leistungen: 556 (neu 0, aktualisiert 0, unverändert 556, nicht mehr aktuell 1)" in (
        out
    )


# --- values too long or too large for a column ---------------------------------------------


def _one_over(copy: CatalogCopy, name: str, line: int, old: str, new: str):
    copy.edit_line(name, line, old, new)


OVERSIZED = {
    # case: (file, line, old, new, expected message part)
    "Themenfeld name 201": (
        THEMENFELDER, 2, "Arbeit & Ruhestand", "T" * 201,
        "Der Wert in Spalte „themenfeld“ ist 201 Zeichen lang; erlaubt sind höchstens 200.",
    ),
    "Lage name 201": (
        LAGEN, 2, "(Drohender) Arbeitsplatzverlust & -suche", "L" * 201,
        "Der Wert in Spalte „lage“ ist 201 Zeichen lang; erlaubt sind höchstens 200.",
    ),
    "OZG-Leistung name 301": (
        LEISTUNGEN, LINE_10160, "Hundehaltung", "H" * 301,
        "Der Wert in Spalte „ozg_leistung“ ist 301 Zeichen lang; erlaubt sind höchstens 300.",
    ),
    "typisierung 51": (
        ZUORDNUNG, HUNDESTEUER_LINE, "Hundesteuer,4,", "Hundesteuer," + "4" * 51 + ",",
        "Der Wert in Spalte „typisierung“ ist 51 Zeichen lang; erlaubt sind höchstens 50.",
    ),
    "lage_id too large": (
        LAGEN, 2, "1,(Drohender)", f"{INT_MAX + 1},(Drohender)",
        f"Der Wert {INT_MAX + 1} in Spalte „lage_id“ ist größer als der höchste speicherbare "
        f"Wert {INT_MAX}.",
    ),
    "themenfeld_id too large": (
        THEMENFELDER, 2, "1,Arbeit", f"{INT_MAX + 1},Arbeit",
        f"Der Wert {INT_MAX + 1} in Spalte „themenfeld_id“ ist größer",
    ),
    "anzahl too large": (
        LEISTUNGEN, LINE_10160, "Hobby,15", f"Hobby,{INT_MAX + 1}",
        f"Der Wert {INT_MAX + 1} in Spalte „anzahl_leika_leistungen“ ist größer",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", OVERSIZED)
def test_value_one_over_the_column_limit_is_refused(catalog_copy, case):
    name, line, old, new, fragment = OVERSIZED[case]
    catalog_copy.edit_line(name, line, old, new)
    before = catalog_snapshot()
    with pytest.raises(CommandError) as caught:
        run(catalog_copy, "--allow-shrink")
    assert f"/{name}, Zeile {line}: " in str(caught.value)
    assert fragment in str(caught.value)
    assert catalog_snapshot() == before
    # The service (what the command calls) refuses it as well.
    with pytest.raises(OfficialFileError, match=f"Zeile {line}: "):
        catalog_import(source_dir=catalog_copy.folder)
    assert catalog_snapshot() == before


def test_name_at_the_column_limit_is_stored(catalog_copy):
    long_name = "H" * 300
    for name in (LEISTUNGEN, ZUORDNUNG):  # the assignment file repeats the name
        text = catalog_copy.path(name).read_text(encoding="utf-8")
        catalog_copy.path(name).write_text(
            text.replace(",Hundehaltung,", f",{long_name},"), encoding="utf-8", newline=""
        )
    catalog_import(source_dir=catalog_copy.folder)
    assert OzgLeistung.objects.get(ozg_id="10160").name == long_name


def test_limits_come_from_the_model_fields():
    limits = catalog_field_limits()
    assert limits.text == {"themenfeld": 200, "lage": 200, "ozg_leistung": 300, "typisierung": 50}
    assert limits.numbers == dict.fromkeys(
        ("themenfeld_id", "lage_id", "anzahl_leika_leistungen"), INT_MAX
    )


def test_parser_takes_limits_passed_in():
    with pytest.raises(OfficialFileError) as caught:
        parse_catalog(OFFICIAL_DIR, limits=FieldLimits(text={"themenfeld": 5}))
    assert caught.value.line == 2
    assert "„themenfeld“ ist 18 Zeichen lang" in caught.value.message


# --- concurrent import ---------------------------------------------------------------------


def test_integrity_error_while_writing_is_a_clear_german_error(catalog_copy, monkeypatch):
    catalog_copy.edit_line(ZUORDNUNG, HUNDESTEUER_LINE, "Hundesteuer", "Hundesteuer (neu)")
    before = catalog_snapshot()

    def collide(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(Themenfeld.objects, "bulk_create", collide)
    with pytest.raises(CommandError) as caught:
        run(catalog_copy)
    assert str(caught.value) == (
        "Ein anderer Import läuft gerade oder hat die Daten zeitgleich geändert; nichts wurde "
        "gespeichert. Bitte erneut starten."
    )
    assert catalog_snapshot() == before


# --- folders and output streams ------------------------------------------------------------


def test_data_dir_is_the_base_folder_and_source_dir_the_catalogue_folder(catalog_copy, settings):
    out = StringIO()
    call_command("import_catalog", "--data-dir", str(catalog_copy.folder.parent), stdout=out)
    assert "OZG-/LeiKa-Katalog importiert." in out.getvalue()
    with pytest.raises(CommandError, match="ozg-leika-katalog/ozg-leika-katalog"):
        call_command("import_catalog", "--data-dir", str(catalog_copy.folder), verbosity=0)
    settings.DATA_DIR = catalog_copy.folder.parent
    call_command("import_catalog", verbosity=0)  # default: DATA_DIR/ozg-leika-katalog
    with pytest.raises(CommandError):
        call_command(
            "import_catalog",
            "--data-dir",
            str(catalog_copy.folder.parent),
            "--source-dir",
            str(catalog_copy.folder),
        )


def test_progress_goes_to_stderr_and_the_summary_to_stdout(catalog_copy):
    out, err = run(catalog_copy)
    assert "LeiKa-Zuordnungen prüfen: 100 % (5249/5249)" in err
    assert "LeiKa-Zuordnungen prüfen" not in out
    assert "OZG-Leistungen: 557 (neu 0" in out
