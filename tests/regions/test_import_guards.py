"""Guards of `import_regions` against files that would damage the live data: empty or cut-off
files, a release that retires a large share of the Gemeinden, values too large for a column,
and a concurrent import. Every refusal must leave the database exactly as it was."""

import csv
import io
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from openkommune.core.errors import OfficialFileError
from openkommune.regions.constants import RegionLevel
from openkommune.regions.gv100ad import parse_gv100ad, parse_postcodes, parse_record
from openkommune.regions.models import PostcodeArea, Region
from openkommune.regions.services import region_field_limits
from tests.regions.samples import (
    REAL_GV100AD,
    REAL_POSTCODES,
    line_of,
    real_lines,
    saxony_anhalt_lines,
    saxony_anhalt_postcode_rows,
    with_field,
    write_gv100ad,
    write_postcodes,
)
from tests.regions.test_import import run_import, snapshot

pytestmark = pytest.mark.django_db

MAGDEBURG = "6020251130150030"
INT_MAX = 2_147_483_647  # PositiveIntegerField on PostgreSQL


def _half_the_gemeinden() -> tuple[list[str], int]:
    lines, dropped, seen = [], 0, 0
    for line in real_lines():
        if line.startswith("60"):
            seen += 1
            if seen % 2 == 0:
                dropped += 1
                continue
        lines.append(line)
    return lines, dropped


# --- empty and cut-off files --------------------------------------------------------------


@pytest.mark.parametrize("allow_shrink", [False, True])
def test_empty_gv100ad_is_refused_even_with_allow_shrink(tmp_path, allow_shrink):
    path = tmp_path / "GV100AD_30112025.txt"
    path.write_bytes(b"")
    before = snapshot()
    with pytest.raises(CommandError) as caught:
        run_import(path, REAL_POSTCODES, allow_shrink=allow_shrink)
    message = str(caught.value)
    assert "nichts wurde gespeichert" in message
    assert "GV100AD_30112025.txt: Die Datei enthält keine Länder (Satzart 10)" in message
    assert "und keine Gemeinden (Satzart 60) – unvollständige Datei?" in message
    assert snapshot() == before


def test_file_without_gemeinden_names_the_missing_level():
    lines = [line for line in saxony_anhalt_lines() if not line.startswith("60")]
    data = "".join(f"{line}\n" for line in lines).encode()
    with pytest.raises(OfficialFileError) as caught:
        parse_gv100ad(io.BytesIO(data), file_name="GV100AD_kurz.txt")
    assert str(caught.value) == (
        "GV100AD_kurz.txt: Die Datei enthält keine Gemeinden (Satzart 60) – unvollständige Datei?"
    )


@pytest.mark.parametrize("allow_shrink", [False, True])
def test_header_only_postcode_list_is_refused(tmp_path, allow_shrink):
    postcodes = write_postcodes(tmp_path, [])
    before = snapshot()
    with pytest.raises(CommandError, match=r"plz\.csv: Die Liste enthält keine Zuordnungen"):
        run_import(REAL_GV100AD, postcodes, allow_shrink=allow_shrink)
    assert snapshot() == before


def test_empty_postcode_list_is_refused():
    with pytest.raises(OfficialFileError, match="fehlen in der Kopfzeile"):
        parse_postcodes(b"", file_name="plz.csv")


# --- shrink guard --------------------------------------------------------------------------


def test_half_the_gemeinden_missing_is_refused_without_allow_shrink(tmp_path):
    lines, dropped = _half_the_gemeinden()
    lines = [with_field(x, 139, 150, "1") if x.startswith(MAGDEBURG) else x for x in lines]
    path = write_gv100ad(tmp_path, lines)
    before = snapshot()
    with pytest.raises(CommandError) as caught:
        run_import(path, REAL_POSTCODES)
    message = str(caught.value)
    assert f"würde {dropped} von 10953 aktuellen Gemeinden (50,0 %)" in message
    assert "nichts wurde gespeichert" in message
    assert "--allow-shrink" in message
    assert snapshot() == before


def test_half_the_gemeinden_missing_is_imported_with_allow_shrink(tmp_path):
    lines, dropped = _half_the_gemeinden()
    output = run_import(write_gv100ad(tmp_path, lines), REAL_POSTCODES, allow_shrink=True)
    assert f"nicht mehr im Verzeichnis: {dropped}" in output
    current = Region.objects.filter(level=RegionLevel.GEMEINDE, is_current=True).count()
    assert current == 10953 - dropped


def test_dry_run_reports_the_shrink_instead_of_refusing(tmp_path):
    lines, dropped = _half_the_gemeinden()
    before = snapshot()
    output = run_import(write_gv100ad(tmp_path, lines), REAL_POSTCODES, dry_run=True)
    assert f"Achtung: GV100AD_30112025.txt würde {dropped} von 10953" in output
    assert "ein echter Import bräuchte --allow-shrink" in output
    assert snapshot() == before


def test_a_small_change_passes_the_guard(tmp_path):
    lines = list(real_lines())
    index = next(i for i, line in enumerate(lines) if line[10:18] == "15082180")
    lines.pop(index)  # one Gemeinde of 10953
    output = run_import(write_gv100ad(tmp_path, lines), REAL_POSTCODES)
    assert "Gemeinden: 10952 (neu 0, aktualisiert 0), nicht mehr im Verzeichnis: 1" in output


def test_half_the_postcode_pairs_missing_is_refused_and_rolls_back(tmp_path):
    with REAL_POSTCODES.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    postcodes = write_postcodes(tmp_path, rows[::2])
    lines = [with_field(x, 139, 150, "1") if x.startswith(MAGDEBURG) else x for x in real_lines()]
    before = snapshot()
    with pytest.raises(CommandError) as caught:
        run_import(write_gv100ad(tmp_path, lines), postcodes)
    assert "Zuordnungen PLZ-Gemeinde" in str(caught.value)
    assert "löschen, mehr als 10 %" in str(caught.value)
    assert snapshot() == before  # the regions written first were rolled back

    output = run_import(write_gv100ad(tmp_path, lines), postcodes, allow_shrink=True)
    assert PostcodeArea.objects.count() < before["postcodes"]
    assert "Postleitzahlen (plz.csv)" in output


# --- values too large for a column ---------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [(139, 150, "Bevölkerung"), (150, 161, "Bevölkerung männlich")],
)
def test_population_one_over_the_column_limit_is_refused(tmp_path, start, end, label):
    lines = saxony_anhalt_lines()
    index = next(i for i, line in enumerate(lines) if line.startswith(MAGDEBURG))
    lines[index] = with_field(lines[index], start, end, str(INT_MAX + 1))
    path = write_gv100ad(tmp_path, lines, name="GV100AD_gross.txt")
    before = snapshot()
    with pytest.raises(CommandError) as caught:
        run_import(path, REAL_POSTCODES, allow_shrink=True)
    assert (
        f"GV100AD_gross.txt, Zeile {index + 1}: Feld „{label}“: {INT_MAX + 1} ist größer als "
        f"der höchste speicherbare Wert {INT_MAX}"
    ) in str(caught.value)
    assert snapshot() == before


def test_population_at_the_column_limit_is_stored(tmp_path):
    lines = saxony_anhalt_lines()
    index = next(i for i, line in enumerate(lines) if line.startswith(MAGDEBURG))
    lines[index] = with_field(lines[index], 139, 150, str(INT_MAX))
    postcodes = write_postcodes(tmp_path, saxony_anhalt_postcode_rows())
    run_import(write_gv100ad(tmp_path, lines), postcodes, allow_shrink=True)
    assert Region.objects.get(ags="15003000", level=RegionLevel.GEMEINDE).population == INT_MAX


def test_limits_come_from_the_model_fields():
    limits = region_field_limits()
    assert limits["population"] == limits["population_male"] == INT_MAX
    assert limits["area_ha"] == 9_223_372_036_854_775_807
    assert (limits["name"], limits["seat"], limits["locality"]) == (100, 100, 100)


def test_area_and_text_limits_are_checked_by_the_parser():
    # The file's fields are narrower than today's columns; the check guards a narrower column.
    line = line_of("60", "15003")
    limits = {"area_ha": 19_999, "name": 100}
    with pytest.raises(OfficialFileError, match="Zeile 7: Feld „Fläche“: 20"):
        parse_record(line, line=7, file_name="x.txt", limits=limits)
    with pytest.raises(OfficialFileError, match="Feld „Name“ ist 27 Zeichen lang, höchstens 5"):
        parse_record(line, line=7, file_name="x.txt", limits={"name": 5})


# --- concurrent import ---------------------------------------------------------------------


def test_integrity_error_while_writing_is_a_clear_german_error(tmp_path, monkeypatch):
    lines = saxony_anhalt_lines()
    index = next(i for i, line in enumerate(lines) if line.startswith(MAGDEBURG))
    lines[index] = with_field(lines[index], 139, 150, "1")
    before = snapshot()

    def collide(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(PostcodeArea.objects, "bulk_create", collide)
    with pytest.raises(CommandError) as caught:
        run_import(write_gv100ad(tmp_path, lines), REAL_POSTCODES, allow_shrink=True)
    assert str(caught.value) == (
        "Ein anderer Import läuft gerade oder hat die Daten zeitgleich geändert; nichts wurde "
        "gespeichert. Bitte erneut starten."
    )
    assert snapshot() == before


def test_data_dir_is_the_base_folder(settings, tmp_path):
    (tmp_path / "gv100ad-gemeindeverzeichnis").mkdir()
    with pytest.raises(CommandError, match="gv100ad-gemeindeverzeichnis"):
        call_command("import_regions", data_dir=tmp_path, stdout=StringIO(), stderr=StringIO())


@pytest.mark.parametrize("command", ["import_regions", "import_catalog"])
def test_help_texts_render(command, capsys):
    # argparse formats help with %, so a literal "10 %" would crash `--help`.
    from django.core.management import load_command_class

    parser = load_command_class(
        "openkommune.regions" if "regions" in command else "openkommune.catalog", command
    ).create_parser("openkommune", command)
    text = parser.format_help()
    assert "--allow-shrink" in text
    assert "10 %" in text
    assert "Basisordner" in text
