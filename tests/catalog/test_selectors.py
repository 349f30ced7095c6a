import pytest

from openkommune.catalog import selectors
from openkommune.catalog.constants import LageKind
from openkommune.catalog.models import LeikaService, OzgLeistung
from tests.catalog.factories import (
    LageFactory,
    LeikaAssignmentFactory,
    LeikaServiceFactory,
    OzgLeistungFactory,
    ThemenfeldFactory,
)
from tests.catalog.helpers import HUNDESTEUER_KEY

pytestmark = pytest.mark.django_db


def test_ozg_leistung_get_with_its_leika_services(django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        leistung = selectors.ozg_leistung_get(ozg_id="10160")
        rows = leistung.leika_assignments
        names = [row.leika_service.name for row in rows if row.leika_service]
    assert leistung.name == "Hundehaltung"
    assert leistung.lage.kind == LageKind.LEBENSLAGE
    assert len(rows) == 15
    assert "Hundesteuer" in names


def test_ozg_leistung_get_unknown_raises_does_not_exist():
    with pytest.raises(OzgLeistung.DoesNotExist):
        selectors.ozg_leistung_get(ozg_id="99999")


def test_leika_service_get():
    service = selectors.leika_service_get(key=HUNDESTEUER_KEY)
    assert service.typisierung_beschreibung == "Regelung: Land; Vollzug: Land oder Kommune"
    assert [row.ozg_leistung.ozg_id for row in service.ozg_assignments] == ["10160"]
    with pytest.raises(LeikaService.DoesNotExist):
        selectors.leika_service_get(key="99000000000000")


def test_themenfeld_list_in_official_order_with_counts():
    themenfelder = list(selectors.themenfeld_list())
    assert len(themenfelder) == 14
    assert themenfelder[0].name == "Arbeit & Ruhestand"
    assert sum(t.ozg_leistung_count for t in themenfelder) == 557


def test_catalog_counts():
    counts = selectors.catalog_counts()
    assert counts == selectors.CatalogCounts(
        themenfelder=14,
        lagen=58,
        lebenslagen=38,
        unternehmenslagen=17,
        ozg_leistungen=557,
        leika_services=4813,
        assignments=5249,
        assignments_without_key=436,
    )


def test_retired_entries_are_hidden_unless_asked_for():
    leistung = OzgLeistungFactory(retired=True)
    with pytest.raises(OzgLeistung.DoesNotExist):
        selectors.ozg_leistung_get(ozg_id=leistung.ozg_id)
    assert selectors.ozg_leistung_get(ozg_id=leistung.ozg_id, include_retired=True) == leistung
    assert leistung not in selectors.ozg_leistung_list()


def test_factories_build_a_consistent_small_catalogue():
    themenfeld = ThemenfeldFactory()
    lage = LageFactory(themenfeld=themenfeld, unternehmen=True)
    leistung = OzgLeistungFactory(lage=lage)
    service = LeikaServiceFactory(typisierung="2/3")
    LeikaAssignmentFactory(leika_service=service, ozg_leistung=leistung)
    LeikaAssignmentFactory(ozg_leistung=leistung, ohne_schluessel=True)

    fetched = selectors.ozg_leistung_get(ozg_id=leistung.ozg_id)
    assert fetched.themenfeld == themenfeld
    assert [r.leika_service for r in fetched.leika_assignments] == [None, service]
    assert service.typisierung_beschreibung == "Regelung: Bund; Vollzug: Land oder Kommune"
    assert list(selectors.lage_list(themenfeld=themenfeld, kind=LageKind.UNTERNEHMENSLAGE)) == [
        lage
    ]
    assert service in selectors.leika_service_list(executed_by_kommune=True)
