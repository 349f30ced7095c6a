"""The official release as imported once per test session (see tests/conftest.py)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from openkommune.catalog.constants import LEBENSLAGEN, UNTERNEHMENSLAGEN, LageKind
from openkommune.catalog.models import Lage, LeikaAssignment, LeikaService, OzgLeistung, Themenfeld
from openkommune.catalog.services import catalog_import
from tests.catalog.helpers import (
    HUNDESTEUER_KEY,
    HUNDESTEUER_LINE,
    LEISTUNGEN,
    OFFICIAL_DIR,
    THEMENFELDER,
    ZUORDNUNG,
)

pytestmark = pytest.mark.django_db


def test_counts_of_the_release():
    assert Themenfeld.objects.count() == 14
    assert Lage.objects.count() == 58
    assert OzgLeistung.objects.count() == 557
    assert LeikaAssignment.objects.count() == 5249
    assert LeikaService.objects.count() == 4813
    assert (
        LeikaAssignment.objects.exclude(leika_key="").values("leika_key").distinct().count() == 4813
    )
    assert LeikaAssignment.objects.filter(leika_key="").count() == 436
    assert LeikaAssignment.objects.filter(leika_key="", im_leika=False).count() == 436
    assert LeikaAssignment.objects.filter(ozg_leistung__isnull=True, ozg_id="").count() == 26
    assert not LeikaAssignment.objects.filter(is_current=False).exists()


def test_hundesteuer():
    service = LeikaService.objects.get(key=HUNDESTEUER_KEY)
    assert service.name == "Hundesteuer"
    assert service.typisierung == "4"
    assert service.typisierung_codes == ["4"]
    assert service.typisierung_beschreibung == "Regelung: Land; Vollzug: Land oder Kommune"
    assert service.executed_by_kommune
    assert (service.sdg1, service.sdg2) == (True, False)
    assert service.urn == "urn:de:fim:leika:leistung:99102013000000"
    (assignment,) = service.assignments.all()
    assert assignment.ozg_leistung.ozg_id == "10160"
    assert assignment.ozg_leistung.name == "Hundehaltung"
    assert assignment.ozg_leistung.lage.name == "Tierhaltung"
    assert assignment.ozg_leistung.themenfeld.name == "Engagement & Hobby"


def test_typisierung_values_of_the_release():
    by_raw = {
        raw: LeikaAssignment.objects.filter(typisierung=raw).count()
        for raw in ["2/3", "1", "4", "5", "1, 2/3", "2", "", "6", "1, 2"]
    }
    assert by_raw == {
        "2/3": 3566,
        "1": 964,
        "4": 625,
        "5": 42,
        "1, 2/3": 20,
        "2": 18,
        "": 8,
        "6": 5,
        "1, 2": 1,
    }
    mixed = LeikaAssignment.objects.filter(typisierung="1, 2/3").first()
    assert mixed.typisierung_codes == ["1", "2/3"]


def test_legal_bases_are_kept():
    service = LeikaService.objects.get(key="99001002004000")  # Altpapier Entsorgung
    assert service.rechtsgrundlagen.startswith("Kreislaufwirtschaftsgesetz (KrWG)")
    assert "VerpackV" in service.rechtsgrundlagen
    assert service.gesetze == "Kreislaufwirtschaftsgesetz"
    assert service.gesetzeskuerzel == "KrWG"


def test_rows_repeated_with_different_values_are_all_kept():
    # The official file lists this keyless service twice under OZG 10280, once with both
    # SDG flags set and once without; both rows survive, numbered by occurrence.
    rows = LeikaAssignment.objects.filter(
        ozg_id="10280",
        name="Überwachung von Managementsystemen über zulassungspflichtige Versandstücke "
        "zur Beförderung radioaktiver Stoffe",
    ).order_by("occurrence")
    assert [(r.occurrence, r.sdg1, r.sdg2) for r in rows] == [(1, True, True), (2, False, False)]


def test_lage_kinds():
    assert Lage.objects.filter(kind=LageKind.UNTERNEHMENSLAGE).count() == 17
    assert Lage.objects.filter(kind=LageKind.LEBENSLAGE).count() == 38
    unknown = set(Lage.objects.filter(kind=LageKind.UNBEKANNT).values_list("name", flat=True))
    assert unknown == {"aaaaaaaaaaaaaaaaa", "aaaaabbbbb", "aaabbbccc"}
    # Every name on the reviewed lists exists in the release (catches typos in the lists).
    assert set(Lage.objects.values_list("name", flat=True)) >= LEBENSLAGEN | UNTERNEHMENSLAGEN
    assert Lage.objects.get(name="Tierhaltung").kind == LageKind.LEBENSLAGE
    assert (
        Lage.objects.get(name="Unternehmensstart & Gewerbezulassung").kind
        == LageKind.UNTERNEHMENSLAGE
    )


def test_ozg_leistung_links():
    leistung = OzgLeistung.objects.get(ozg_id="10294")
    assert leistung.assignments.filter(leika_key="99050012104000").exists()  # Gewerbe Anmeldung
    assert leistung.stated_leika_count == leistung.assignments.count()


def test_reimport_of_the_same_release_changes_nothing():
    before = list(LeikaService.objects.order_by("key").values_list("key", "updated_at"))
    summary = catalog_import(source_dir=OFFICIAL_DIR)
    for counts in (
        summary.themenfelder,
        summary.lagen,
        summary.leistungen,
        summary.services,
        summary.assignments,
    ):
        assert (counts.created, counts.updated, counts.retired) == (0, 0, 0)
        assert counts.unchanged == counts.total
    assert summary.assignments.total == 5249
    assert list(LeikaService.objects.order_by("key").values_list("key", "updated_at")) == before
    assert LeikaAssignment.objects.count() == 5249


def test_command_prints_a_german_summary():
    out, err = StringIO(), StringIO()
    call_command("import_catalog", "--source-dir", str(OFFICIAL_DIR), stdout=out, stderr=err)
    text = out.getvalue()
    assert "OZG-Leistungen: 557 (neu 0, aktualisiert 0, unverändert 557" in text
    assert "LeiKa-Zuordnungen: 5.249 (neu 0" in text
    assert (
        "davon ohne LeiKa-Schlüssel: 436, ohne OZG-Leistung: 26, verschiedene Schlüssel: 4.813"
        in text
    )
    assert "davon Lebenslagen: 38, Unternehmenslagen: 17, nicht zugeordnet: 3" in text
    assert "LeiKa-Zuordnungen prüfen: 100 % (5249/5249)" in err.getvalue()  # progress


def test_command_is_quiet_with_verbosity_0():
    out = StringIO()
    call_command("import_catalog", "--source-dir", str(OFFICIAL_DIR), verbosity=0, stdout=out)
    assert out.getvalue() == ""


def test_command_reports_a_bad_file_with_file_and_line(catalog_copy):
    catalog_copy.edit_line(ZUORDNUNG, HUNDESTEUER_LINE, HUNDESTEUER_KEY, "9910201300000")
    with pytest.raises(
        CommandError, match=rf"{ZUORDNUNG}, Zeile {HUNDESTEUER_LINE}: Ungültiger LeiKa"
    ):
        call_command("import_catalog", "--source-dir", str(catalog_copy.folder), verbosity=0)


def test_command_refuses_a_missing_folder(tmp_path):
    with pytest.raises(CommandError, match="Ordner nicht gefunden"):
        call_command("import_catalog", "--data-dir", str(tmp_path / "fehlt"), verbosity=0)


def test_dry_run_saves_nothing(catalog_copy):
    catalog_copy.edit_line(ZUORDNUNG, HUNDESTEUER_LINE, "Hundesteuer", "Hundesteuer (neu)")
    out = StringIO()
    call_command(
        "import_catalog", "--source-dir", str(catalog_copy.folder), "--dry-run", stdout=out
    )
    assert "LeiKa-Leistungen: 4.813 (neu 0, aktualisiert 1" in out.getvalue()
    assert "Probelauf: nichts wurde gespeichert." in out.getvalue()
    assert LeikaService.objects.get(key=HUNDESTEUER_KEY).name == "Hundesteuer"


def test_utf8_bom_and_lf_line_endings_are_accepted(catalog_copy):
    path = catalog_copy.path(THEMENFELDER)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\r\n", b"\n"))
    summary = catalog_import(source_dir=catalog_copy.folder)
    assert summary.themenfelder.unchanged == 14


def test_extra_columns_of_a_newer_release_are_ignored_and_named(catalog_copy):
    lines = [line.decode("utf-8").rstrip("\r\n") for line in catalog_copy.lines(LEISTUNGEN)]
    rewritten = [lines[0] + ",reifegrad,bemerkung"] + [line + ",3," for line in lines[1:]]
    catalog_copy.write_lines(LEISTUNGEN, [(line + "\r\n").encode() for line in rewritten])
    summary = catalog_import(source_dir=catalog_copy.folder)
    assert summary.ignored_columns == {LEISTUNGEN: ["reifegrad", "bemerkung"]}
    assert f"Ignorierte Spalten in {LEISTUNGEN}: reifegrad, bemerkung" in summary.lines()
    assert summary.leistungen.unchanged == 557


def test_columns_are_found_by_name_not_position(catalog_copy):
    import csv
    import io

    text = catalog_copy.path(ZUORDNUNG).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    reordered = [list(reversed(row)) for row in rows]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(reordered)
    catalog_copy.path(ZUORDNUNG).write_text(buffer.getvalue(), encoding="utf-8")
    summary = catalog_import(source_dir=catalog_copy.folder)
    assert summary.assignments.unchanged == 5249


def test_stated_leika_count_that_disagrees_with_the_rows_is_reported(catalog_copy):
    catalog_copy.edit_line(LEISTUNGEN, 153, "Engagement & Hobby,15", "Engagement & Hobby,16")
    summary = catalog_import(source_dir=catalog_copy.folder)
    assert summary.count_mismatches == ["10160"]
    assert any(
        "weicht die angegebene Anzahl" in line and "10160" in line for line in summary.lines()
    )
    assert OzgLeistung.objects.get(ozg_id="10160").stated_leika_count == 16
