"""Re-importing a (changed) release updates by natural keys and never duplicates."""

import pytest

from openkommune.catalog.models import LeikaAssignment, LeikaService, OzgLeistung
from openkommune.catalog.services import catalog_import
from tests.catalog.helpers import (
    HUNDESTEUER_KEY,
    HUNDESTEUER_LINE,
    LEISTUNGEN,
    OFFICIAL_DIR,
    ZUORDNUNG,
)

pytestmark = pytest.mark.django_db


def _totals():
    return [model.objects.count() for model in (OzgLeistung, LeikaService, LeikaAssignment)]


def test_importing_twice_gives_the_same_rows(catalog_copy):
    before = _totals()
    first = catalog_import(source_dir=catalog_copy.folder)
    second = catalog_import(source_dir=catalog_copy.folder)
    assert _totals() == before == [557, 4813, 5249]
    assert first.assignments.unchanged == second.assignments.unchanged == 5249


def test_changed_name_updates_the_entry(catalog_copy):
    catalog_copy.edit_line(ZUORDNUNG, HUNDESTEUER_LINE, "Hundesteuer", "Hundesteuer für Halter")
    summary = catalog_import(source_dir=catalog_copy.folder)

    assert (summary.services.updated, summary.services.created) == (1, 0)
    assert (summary.assignments.updated, summary.assignments.created) == (1, 0)
    service = LeikaService.objects.get(key=HUNDESTEUER_KEY)
    assert service.name == "Hundesteuer für Halter"
    assert service.assignments.get().name == "Hundesteuer für Halter"
    assert _totals() == [557, 4813, 5249]


def test_changed_typisierung_updates_codes_and_derived_flag(catalog_copy):
    catalog_copy.edit_line(ZUORDNUNG, HUNDESTEUER_LINE, "Hundesteuer,4,", "Hundesteuer,1,")
    catalog_import(source_dir=catalog_copy.folder)
    service = LeikaService.objects.get(key=HUNDESTEUER_KEY)
    assert (service.typisierung, service.typisierung_codes) == ("1", ["1"])
    assert not service.executed_by_kommune
    assert service.typisierung_beschreibung == "Regelung: Bund; Vollzug: Bund"


def test_removed_row_is_kept_but_not_current_and_comes_back(catalog_copy, tmp_path):
    removed = catalog_copy.delete_lines(ZUORDNUNG, lambda line: line.startswith(HUNDESTEUER_KEY))
    assert removed == 1
    summary = catalog_import(source_dir=catalog_copy.folder)

    assert (summary.services.retired, summary.assignments.retired) == (1, 1)
    service = LeikaService.objects.get(key=HUNDESTEUER_KEY)
    assert not service.is_current
    assert not service.assignments.get().is_current
    assert _totals() == [557, 4813, 5249]  # nothing deleted
    assert LeikaService.objects.filter(is_current=True).count() == 4812

    again = catalog_import(source_dir=OFFICIAL_DIR)
    assert (again.services.updated, again.assignments.updated) == (1, 1)
    assert LeikaService.objects.get(key=HUNDESTEUER_KEY).is_current


def test_removed_ozg_leistung_is_not_current(catalog_copy, client):
    assert client.get("/genossenschaft/").context["figures"].ozg_leistungen == 557  # now cached
    catalog_copy.delete_lines(LEISTUNGEN, lambda line: line.startswith("10160,"))
    dropped = catalog_copy.delete_lines(ZUORDNUNG, lambda line: ",10160,Hundehaltung," in line)
    assert dropped == 15
    summary = catalog_import(source_dir=catalog_copy.folder)

    assert summary.leistungen.retired == 1
    leistung = OzgLeistung.objects.get(ozg_id="10160")
    assert not leistung.is_current
    assert leistung.assignments.filter(is_current=True).count() == 0
    assert OzgLeistung.objects.filter(is_current=True).count() == 556
    # The import's change is on the start page at once.
    assert client.get("/genossenschaft/").context["figures"].ozg_leistungen == 556


def test_key_moved_to_another_ozg_leistung_is_a_new_assignment(catalog_copy):
    # Natural key of a keyed row is (key, OZG-ID): moving it retires the old link.
    catalog_copy.edit_line(
        ZUORDNUNG, HUNDESTEUER_LINE, "10160,Hundehaltung,Tierhaltung,Engagement & Hobby", "10110,,,"
    )
    summary = catalog_import(source_dir=catalog_copy.folder)
    assert (summary.assignments.created, summary.assignments.retired) == (1, 1)
    service = LeikaService.objects.get(key=HUNDESTEUER_KEY)
    current = service.assignments.get(is_current=True)
    assert current.ozg_leistung.ozg_id == "10110"
    assert service.assignments.get(is_current=False).ozg_id == "10160"


def test_same_key_in_two_ozg_leistungen_keeps_both_rows(catalog_copy):
    # A newer release may list one key under several OZG-Leistungen with other legal bases.
    lines = catalog_copy.lines(ZUORDNUNG)
    extra = (
        "99102013000000,True,Hundesteuer,4,10110,,,,"
        "§ 1 Beispielgesetz,Beispielgesetz,BspG,False,False\r\n"
    )
    catalog_copy.write_lines(ZUORDNUNG, [*lines, extra.encode()])
    summary = catalog_import(source_dir=catalog_copy.folder)

    assert summary.assignments.created == 1
    assert summary.services.total == 4813
    rows = LeikaAssignment.objects.filter(leika_key=HUNDESTEUER_KEY).order_by("ozg_id")
    assert [(r.ozg_id, r.rechtsgrundlagen) for r in rows] == [
        ("10110", "§ 1 Beispielgesetz"),
        ("10160", ""),
    ]
    # The service keeps the values of its first row in the file.
    assert LeikaService.objects.get(key=HUNDESTEUER_KEY).rechtsgrundlagen == ""
