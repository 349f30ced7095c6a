"""`import_regions` against the test database, which the session already filled with the real
files (tests/conftest.py). Tests that import small files run inside the test transaction, so
every change is rolled back afterwards; they assert on specific rows and on deltas."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from openkommune.regions import selectors
from openkommune.regions.constants import RegionLevel
from openkommune.regions.models import PostcodeArea, Region
from tests.regions.samples import (
    REAL_GV100AD,
    REAL_POSTCODES,
    saxony_anhalt_lines,
    saxony_anhalt_postcode_rows,
    with_field,
    write_gv100ad,
    write_postcodes,
)

pytestmark = pytest.mark.django_db


def run_import(gv100ad, postcodes, **options) -> str:
    out = StringIO()
    call_command(
        "import_regions",
        gv100ad=gv100ad,
        postcodes=postcodes,
        stdout=out,
        stderr=StringIO(),
        **options,
    )
    return out.getvalue()


def snapshot() -> dict:
    """Enough of the database to notice any write."""
    magdeburg = Region.objects.get(ars="150030000000", level=RegionLevel.GEMEINDE)
    return {
        "regions": Region.objects.count(),
        "current": Region.objects.filter(is_current=True).count(),
        "postcodes": PostcodeArea.objects.count(),
        "magdeburg": (magdeburg.name, magdeburg.population, magdeburg.parent_id),
        "population": selectors.region_counts()["population"],
    }


def gemeinde(ags: str) -> Region:
    return Region.objects.get(ags=ags, level=RegionLevel.GEMEINDE)


# --- the real data, as imported by the session fixture --------------------------------------


def test_germany_counts():
    counts = selectors.region_counts()
    assert counts["land"] == 16
    assert counts["regierungsbezirk"] == 29
    assert counts["kreis"] == 400
    assert counts["gemeindeverband"] == 4590
    assert counts["gemeinde"] == 10953
    assert Region.objects.filter(is_current=False).count() == 0


def test_saxony_anhalt_counts():
    counts = selectors.region_counts(land_code="15")
    assert counts["gemeinde"] == 218
    assert counts["kreis"] == 14
    assert counts["gemeindeverband"] == 122
    assert counts["population"] == 2_135_597
    kinds = Region.objects.filter(land_code="15", level=RegionLevel.KREIS).values_list(
        "kind", flat=True
    )
    assert sorted(kinds) == ["41"] * 3 + ["44"] * 11


def test_every_region_but_the_laender_has_a_parent_one_level_up_or_more():
    assert Region.objects.filter(parent__isnull=True).exclude(level=RegionLevel.LAND).count() == 0
    for level, parent_levels in {
        RegionLevel.GEMEINDE: {"gemeindeverband"},
        RegionLevel.GEMEINDEVERBAND: {"kreis", "land"},
        RegionLevel.KREIS: {"regierungsbezirk", "land"},
        RegionLevel.REGIERUNGSBEZIRK: {"land"},
    }.items():
        found = set(
            Region.objects.filter(level=level).values_list("parent__level", flat=True).distinct()
        )
        assert found == parent_levels, level


def test_postcode_pairs_skip_stale_ags():
    # 12,871 rows in the list, 41 of them name a Gemeinde that has merged since.
    assert PostcodeArea.objects.count() == 12871 - 41
    assert not PostcodeArea.objects.filter(gemeinde__ags="16064073").exists()


def test_39104_is_magdeburg():
    [magdeburg] = selectors.gemeinden_for_postcode(postcode="39104")
    assert magdeburg.ags == "15003000"
    assert magdeburg.name == "Magdeburg, Landeshauptstadt"


def test_06366_is_koethen_in_anhalt_bitterfeld():
    [koethen] = selectors.gemeinden_for_postcode(postcode="06366")
    assert koethen.name == "Köthen (Anhalt), Stadt"
    assert selectors.region_hierarchy(koethen)["kreis"].name == "Anhalt-Bitterfeld"


def test_full_reimport_changes_nothing():
    before = snapshot()
    output = run_import(REAL_GV100AD, REAL_POSTCODES)
    assert snapshot() == before
    assert "Gemeinden: 10953 (neu 0, aktualisiert 0)" in output
    assert "Länder: 16 (neu 0, aktualisiert 0)" in output
    assert "Übersprungen: 12 Sätze der Satzart 30" in output
    assert "12830 Zuordnungen PLZ-Gemeinde (neu 0, aktualisiert 0, entfernt 0)" in output
    assert "Übersprungen: 41 Zeilen der PLZ-Liste" in output
    assert "99976 Anrode (AGS 16064073)" in output


def test_default_paths_come_from_the_data_dir(settings):
    settings.DATA_DIR = REAL_GV100AD.parent.parent
    before = snapshot()
    out = StringIO()
    call_command("import_regions", stdout=out, stderr=StringIO())
    assert "GV100AD_30112025.txt" in out.getvalue()
    assert snapshot() == before


def test_progress_goes_to_stderr_and_verbosity_0_is_silent(tmp_path):
    gv100ad = write_gv100ad(tmp_path, saxony_anhalt_lines())
    postcodes = write_postcodes(tmp_path, saxony_anhalt_postcode_rows())
    out, err = StringIO(), StringIO()
    call_command(
        "import_regions",
        gv100ad=gv100ad,
        postcodes=postcodes,
        stdout=out,
        stderr=err,
        allow_shrink=True,
    )
    assert "GV100AD prüfen: 100 %" in err.getvalue()
    assert "Gebietseinheiten speichern: 50 %" in err.getvalue()
    out, err = StringIO(), StringIO()
    call_command(
        "import_regions",
        gv100ad=gv100ad,
        postcodes=postcodes,
        stdout=out,
        stderr=err,
        verbosity=0,
        allow_shrink=True,
    )
    assert out.getvalue() == err.getvalue() == ""


# --- all or nothing ------------------------------------------------------------------------


def _latin1(lines: list[str], index: int) -> bytes:
    return b"".join(
        line.encode("latin-1" if i == index else "utf-8") + b"\n" for i, line in enumerate(lines)
    )


DAMAGES = {
    "truncated": (lambda lines: lines.__setitem__(16, lines[16][:180]), 17, "180 statt 220"),
    "non_digit_key": (
        lambda lines: lines.__setitem__(9, with_field(lines[9], 13, 15, "8X")),
        10,
        "nicht nur aus Ziffern",
    ),
    "unknown_type": (lambda lines: lines.__setitem__(5, "70" + lines[5][2:]), 6, "Satzart"),
    "bad_date": (
        lambda lines: lines.__setitem__(7, lines[7][:2] + "20251131" + lines[7][10:]),
        8,
        "Gebietsstand",
    ),
}


@pytest.mark.parametrize("damage", [*DAMAGES, "latin1"])
def test_damaged_file_is_refused_and_changes_nothing(tmp_path, damage):
    lines = saxony_anhalt_lines()
    # A valid change early in the file: had anything been written, Magdeburg would show it.
    magdeburg = next(i for i, line in enumerate(lines) if line.startswith("6020251130150030"))
    lines[magdeburg] = with_field(lines[magdeburg], 139, 150, "1")
    if damage == "latin1":
        index = next(i for i, line in enumerate(lines) if "ö" in line and i > magdeburg)
        path = tmp_path / "GV100AD_kaputt.txt"
        path.write_bytes(_latin1(lines, index))
        line, fragment = index + 1, "UTF-8"
    else:
        change, line, fragment = DAMAGES[damage]
        change(lines)
        path = write_gv100ad(tmp_path, lines, name="GV100AD_kaputt.txt")
    before = snapshot()

    with pytest.raises(CommandError) as caught:
        run_import(path, REAL_POSTCODES)

    message = str(caught.value)
    assert f"GV100AD_kaputt.txt, Zeile {line}: " in message
    assert fragment in message
    assert "nichts wurde gespeichert" in message
    assert snapshot() == before


def test_damaged_postcode_list_is_refused_and_changes_nothing(tmp_path):
    rows = saxony_anhalt_postcode_rows()
    rows[3]["plz"] = "391"
    postcodes = write_postcodes(tmp_path, rows)
    before = snapshot()
    with pytest.raises(CommandError, match=r"plz\.csv, Zeile 5: Postleitzahl „391“"):
        run_import(REAL_GV100AD, postcodes)
    assert snapshot() == before


def test_failure_while_writing_rolls_back_the_regions(tmp_path, monkeypatch):
    lines = saxony_anhalt_lines()
    magdeburg = next(i for i, line in enumerate(lines) if line.startswith("6020251130150030"))
    lines[magdeburg] = with_field(lines[magdeburg], 139, 150, "1")
    path = write_gv100ad(tmp_path, lines)
    before = snapshot()

    def fail(*args, **kwargs):
        raise RuntimeError("Datenbank weg")

    # Regions are written first; the postcode write fails afterwards.
    monkeypatch.setattr(PostcodeArea.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        run_import(path, REAL_POSTCODES, allow_shrink=True)
    assert snapshot() == before


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Datei nicht gefunden"):
        run_import(tmp_path / "fehlt.txt", REAL_POSTCODES)


def test_dry_run_changes_nothing(tmp_path):
    lines = saxony_anhalt_lines()
    before = snapshot()
    output = run_import(
        write_gv100ad(tmp_path, lines),
        write_postcodes(tmp_path, saxony_anhalt_postcode_rows()),
        dry_run=True,
    )
    assert "Probelauf" in output
    assert "Gemeinden: 218 (neu 0, aktualisiert 0), nicht mehr im Verzeichnis: 10735" in output
    assert snapshot() == before


# --- idempotent re-import ------------------------------------------------------------------


def test_reimport_updates_in_place_and_marks_missing_units(tmp_path, client):
    assert client.get("/genossenschaft/").context["figures"].gemeinden_germany == 10953  # cached
    lines = saxony_anhalt_lines()
    postcodes = write_postcodes(tmp_path, saxony_anhalt_postcode_rows())
    regions_before = Region.objects.count()

    first = run_import(write_gv100ad(tmp_path, lines), postcodes, allow_shrink=True)
    # Sachsen-Anhalt was already there unchanged; everything else vanished from the "new" file.
    assert "Gemeinden: 218 (neu 0, aktualisiert 0), nicht mehr im Verzeichnis: 10735" in first
    assert "324 Zuordnungen PLZ-Gemeinde (neu 0, aktualisiert 0, entfernt 12506)" in first
    assert Region.objects.count() == regions_before  # never deleted
    assert selectors.region_counts()["gemeinde"] == 218
    assert client.get("/genossenschaft/").context["figures"].gemeinden_germany == 218  # at once
    assert not Region.objects.get(ars="110000000000", level=RegionLevel.LAND).is_current

    second = run_import(write_gv100ad(tmp_path, lines), postcodes, allow_shrink=True)
    assert "Gemeinden: 218 (neu 0, aktualisiert 0)\n" in second
    assert Region.objects.count() == regions_before

    # A changed population is updated in place, keeping the row (and its id).
    index = next(i for i, line in enumerate(lines) if line[10:18] == "15082180")
    koethen_id = gemeinde("15082180").pk
    lines[index] = with_field(lines[index], 139, 150, "25000")
    third = run_import(write_gv100ad(tmp_path, lines), postcodes, allow_shrink=True)
    assert "Gemeinden: 218 (neu 0, aktualisiert 1)" in third
    koethen = gemeinde("15082180")
    assert (koethen.pk, koethen.population) == (koethen_id, 25000)

    # A Gemeinde missing from the next file stays, marked as no longer current, and loses
    # its postcodes; it no longer answers a postcode lookup — nor the submit's cached one,
    # which the import clears in its process.
    assert [g.ags for g in selectors.gemeinden_for_postcode_cached(postcode="06366")] == [
        "15082180"
    ]
    dropped = lines.pop(index)
    fourth = run_import(write_gv100ad(tmp_path, lines), postcodes, allow_shrink=True)
    assert "Gemeinden: 217 (neu 0, aktualisiert 0), nicht mehr im Verzeichnis: 1" in fourth
    assert gemeinde("15082180").is_current is False
    assert not PostcodeArea.objects.filter(gemeinde__ags="15082180").exists()
    assert selectors.gemeinden_for_postcode(postcode="06366") == []
    assert selectors.gemeinden_for_postcode_cached(postcode="06366") == []
    assert Region.objects.count() == regions_before

    # Back in the file: current again, with its postcode, still the same row.
    lines.insert(index, dropped)
    run_import(write_gv100ad(tmp_path, lines), postcodes, allow_shrink=True)
    assert gemeinde("15082180").is_current is True
    assert gemeinde("15082180").pk == koethen_id
    assert [g.pk for g in selectors.gemeinden_for_postcode(postcode="06366")] == [koethen_id]


def test_new_units_are_created_and_linked(tmp_path):
    lines = saxony_anhalt_lines()
    # A new Gemeinde 999 in the Verbandsgemeinde Beetzendorf-Diesdorf (15081 5051).
    template = next(line for line in lines if line[10:22] == "150810455051")
    new_line = with_field(with_field(template, 15, 18, "999"), 22, 72, "Neudorf")
    lines.append(new_line)
    rows = [
        *saxony_anhalt_postcode_rows(),
        {
            "osm_id": "1",
            "ags": "15081999",
            "ort": "Neudorf",
            "plz": "38489",
            "landkreis": "",
            "bundesland": "",
        },
    ]
    output = run_import(
        write_gv100ad(tmp_path, lines), write_postcodes(tmp_path, rows), allow_shrink=True
    )
    assert "Gemeinden: 219 (neu 1, aktualisiert 0)" in output
    assert "(neu 1, aktualisiert 0, entfernt 12506)" in output
    neudorf = gemeinde("15081999")
    assert neudorf.ars == "150815051999"
    assert neudorf.parent.name == "Beetzendorf-Diesdorf"
    assert "Neudorf" in [g.name for g in selectors.gemeinden_for_postcode(postcode="38489")]


def test_newest_gv100ad_is_chosen_by_the_date_in_its_name(tmp_path):
    from openkommune.regions.management.commands.import_regions import newest_gv100ad

    folder = tmp_path / "gv100ad-gemeindeverzeichnis"
    folder.mkdir()
    for name in ("GV100AD_31122025.txt", "GV100AD_30062026.txt", "GV100AD_30092025.txt"):
        (folder / name).write_text("")
    # By name, 31122025 would sort last; by date, June 2026 is the newest.
    assert newest_gv100ad(tmp_path).name == "GV100AD_30062026.txt"
