"""Broken copies of the official release: each must fail with OfficialFileError naming the
file and the physical line, and leave the catalogue in the database exactly as it was."""

import pytest

from openkommune.catalog import services
from openkommune.catalog.services import catalog_import
from openkommune.core.errors import OfficialFileError
from tests.catalog.helpers import (
    HUNDESTEUER_LINE,
    LAGEN,
    LEISTUNGEN,
    THEMENFELDER,
    ZUORDNUNG,
    CatalogCopy,
    catalog_snapshot,
)

pytestmark = pytest.mark.django_db

HUNDESTEUER_ROW = (
    "99102013000000,True,Hundesteuer,4,10160,Hundehaltung,Tierhaltung,Engagement & Hobby,"
    ",,,True,False"
)
LINE_10160 = 153  # this row in ozg_leistungen.csv:
HUNDEHALTUNG_ROW = "10160,Hundehaltung,Tierhaltung,Engagement & Hobby,15"


def _row(**changes) -> str:
    """The Hundesteuer row with some fields replaced (by column name)."""
    columns = [
        "leistungsschluessel", "im_leika", "leistungsbezeichnung", "typisierung", "ozg_id",
        "ozg_leistung", "lage", "themenfeld", "rechtsgrundlagen", "gesetze", "gesetzeskuerzel",
        "sdg1_relevanz", "sdg2_relevanz",
    ]  # fmt: skip
    values = dict(zip(columns, HUNDESTEUER_ROW.split(","), strict=True))
    values.update(changes)
    return ",".join(values.values())


def _replace(name: str, line: int, text: str | bytes):
    def mutate(copy: CatalogCopy):
        copy.replace_line(name, line, text)

    return mutate


def _drop_column(name: str, column: str):
    def mutate(copy: CatalogCopy):
        lines = [line.decode("utf-8").rstrip("\r\n").split(",") for line in copy.lines(name)]
        index = lines[0].index(column)
        copy.write_lines(
            name, [(",".join(c[:index] + c[index + 1 :]) + "\r\n").encode() for c in lines]
        )

    return mutate


# What a spreadsheet program saving as "CSV (Windows)" writes: ü as the single byte 0xfc.
WINDOWS_1252_ROW = _row(leistungsbezeichnung="Hundesteuer für Halter").encode("cp1252")

CASES = {
    # name: (mutation, file, line, part of the message)
    "truncated row": (
        _replace(ZUORDNUNG, HUNDESTEUER_LINE, "99102013000000,True,Hundesteuer,4,10160"),
        ZUORDNUNG, HUNDESTEUER_LINE, "Erwartet werden 13 Spalten, die Zeile hat 5",
    ),
    "extra field": (
        _replace(LEISTUNGEN, LINE_10160, "10160,Hundehaltung,Tierhaltung,Engagement & Hobby,15,x"),
        LEISTUNGEN, LINE_10160, "Erwartet werden 5 Spalten, die Zeile hat 6",
    ),
    "key with 13 digits": (
        _replace(ZUORDNUNG, HUNDESTEUER_LINE, _row(leistungsschluessel="9910201300000")),
        ZUORDNUNG, HUNDESTEUER_LINE, "hat 13 statt 14 Ziffern",
    ),
    "key with letters": (
        _replace(ZUORDNUNG, HUNDESTEUER_LINE, _row(leistungsschluessel="99102O13000000")),
        ZUORDNUNG, HUNDESTEUER_LINE, "andere Zeichen als Ziffern",
    ),
    "key without 99": (
        _replace(ZUORDNUNG, HUNDESTEUER_LINE, _row(leistungsschluessel="12102013000000")),
        ZUORDNUNG, HUNDESTEUER_LINE, "beginnt nicht mit 99",
    ),
    "bad OZG-ID in Leistungen": (
        _replace(LEISTUNGEN, LINE_10160, "1016,Hundehaltung,Tierhaltung,Engagement & Hobby,15"),
        LEISTUNGEN, LINE_10160, "Ungültige OZG-ID „1016“",
    ),
    "bad OZG-ID in assignments": (
        _replace(ZUORDNUNG, HUNDESTEUER_LINE, _row(ozg_id="1O160")),
        ZUORDNUNG, HUNDESTEUER_LINE, "Ungültige OZG-ID „1O160“",
    ),
    "OZG-ID not in catalogue": (
        _replace(ZUORDNUNG, HUNDESTEUER_LINE, _row(ozg_id="19999")),
        ZUORDNUNG, HUNDESTEUER_LINE, "OZG-ID 19999 fehlt in ozg_leistungen.csv",
    ),
    "duplicate OZG-ID": (
        _replace(LEISTUNGEN, LINE_10160 + 1, HUNDEHALTUNG_ROW),
        LEISTUNGEN, LINE_10160 + 1, "OZG-ID 10160 kommt doppelt vor",
    ),
    "unknown typisierung": (
        _replace(ZUORDNUNG, HUNDESTEUER_LINE, _row(typisierung="7")),
        ZUORDNUNG, HUNDESTEUER_LINE, "Unbekannte Typisierung „7“",
    ),
    "bad boolean": (
        _replace(ZUORDNUNG, HUNDESTEUER_LINE, _row(sdg1_relevanz="vielleicht")),
        ZUORDNUNG, HUNDESTEUER_LINE, "Ungültiger Wahrheitswert „vielleicht“",
    ),
    "im_leika without key": (
        _replace(ZUORDNUNG, HUNDESTEUER_LINE, _row(leistungsschluessel="")),
        ZUORDNUNG, HUNDESTEUER_LINE, "im_leika ist „True“, aber der LeiKa-Schlüssel ist leer",
    ),
    "empty service name": (
        _replace(ZUORDNUNG, HUNDESTEUER_LINE, _row(leistungsbezeichnung="")),
        ZUORDNUNG, HUNDESTEUER_LINE, "Spalte „leistungsbezeichnung“ ist leer",
    ),
    "contradicting redundant name": (
        _replace(ZUORDNUNG, HUNDESTEUER_LINE, _row(ozg_leistung="Katzenhaltung")),
        ZUORDNUNG, HUNDESTEUER_LINE, "„Katzenhaltung“ in Spalte „ozg_leistung“ widerspricht",
    ),
    "unknown Themenfeld of a Lage": (
        _replace(LAGEN, 48, "47,Tierhaltung,99,Engagement & Hobby"),
        LAGEN, 48, "Unbekannte themenfeld_id 99",
    ),
    "unknown Lage of an OZG-Leistung": (
        _replace(LEISTUNGEN, LINE_10160, "10160,Hundehaltung,Katzenhaltung,Engagement & Hobby,15"),
        LEISTUNGEN, LINE_10160, "Unbekannte Lage „Katzenhaltung“",
    ),
    "Themenfeld ID not a number": (
        _replace(THEMENFELDER, 3, "zwei,Bauen & Wohnen"),
        THEMENFELDER, 3, "„zwei“ in Spalte „themenfeld_id“ ist keine ganze Zahl",
    ),
    "renamed column": (
        lambda copy: copy.edit_line(ZUORDNUNG, 1, "typisierung", "leika_typ"),
        ZUORDNUNG, 1, "Pflichtspalte fehlt: typisierung",
    ),
    "missing column": (
        _drop_column(LAGEN, "themenfeld_id"),
        LAGEN, 1, "Pflichtspalte fehlt: themenfeld_id",
    ),
    "non-UTF-8 bytes": (
        _replace(ZUORDNUNG, HUNDESTEUER_LINE, WINDOWS_1252_ROW),
        ZUORDNUNG, HUNDESTEUER_LINE, "nicht UTF-8-kodiert (ungültiges Byte 0xfc)",
    ),
    "unterminated quote": (
        _replace(ZUORDNUNG, HUNDESTEUER_LINE, _row(rechtsgrundlagen='"§ 1 KAG')),
        ZUORDNUNG, HUNDESTEUER_LINE, "kein gültiges CSV",
    ),
    "empty file": (
        lambda copy: copy.path(THEMENFELDER).write_bytes(b""),
        THEMENFELDER, 1, "Die Datei ist leer",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES.keys())
def test_malformed_file_is_refused_and_changes_nothing(case, catalog_copy):
    mutate, file_name, line, message = CASES[case]
    # Also change a valid row, so a partial write would be visible in the snapshot.
    catalog_copy.edit_line(ZUORDNUNG, 2, "Abfallgebühr", "Abfallgebühr (geändert)")
    mutate(catalog_copy)
    before = catalog_snapshot()

    with pytest.raises(OfficialFileError) as raised:
        catalog_import(source_dir=catalog_copy.folder)

    error = raised.value
    assert error.path.name == file_name
    assert error.line == line
    assert message in error.message
    assert f"{file_name}, Zeile {line}: " in str(error)
    assert catalog_snapshot() == before


def test_line_numbers_count_physical_lines_of_multiline_values(catalog_copy):
    # A quoted legal basis spanning three lines before the bad row shifts it by two lines.
    catalog_copy.edit_line(
        ZUORDNUNG, 3, ",,,,False,False", ',"Zeile eins\r\nZeile zwei\r\nZeile drei",,,False,False'
    )
    catalog_copy.replace_line(ZUORDNUNG, 6, _row(leistungsschluessel="99"))  # was line 4
    with pytest.raises(OfficialFileError) as raised:
        catalog_import(source_dir=catalog_copy.folder)
    assert raised.value.line == 6
    assert "hat 2 statt 14 Ziffern" in raised.value.message


def test_missing_file_is_named(catalog_copy):
    catalog_copy.path(LAGEN).unlink()
    with pytest.raises(OfficialFileError, match="nicht gelesen") as raised:
        catalog_import(source_dir=catalog_copy.folder)
    assert raised.value.path.name == LAGEN


def test_a_failure_while_writing_rolls_everything_back(catalog_copy, monkeypatch):
    # LeiKa services are written before the assignments: their new names would show.
    catalog_copy.edit_line(ZUORDNUNG, 2, "Abfallgebühr", "Abfallgebühr (geändert)")
    catalog_copy.edit_line(ZUORDNUNG, HUNDESTEUER_LINE, "Hundesteuer", "Hundesteuer (geändert)")
    before = catalog_snapshot()
    real_sync = services._sync

    def sync_failing_on_assignments(model, natural_key, wanted):
        if model.__name__ == "LeikaAssignment":
            raise RuntimeError("simulated database failure")
        return real_sync(model, natural_key, wanted)

    monkeypatch.setattr(services, "_sync", sync_failing_on_assignments)
    with pytest.raises(RuntimeError, match="simulated"):
        catalog_import(source_dir=catalog_copy.folder)
    after = catalog_snapshot()
    assert after == before
    assert after["first_service"] == "Abfallgebühr"
    assert after["service"][0] == "Hundesteuer"
