"""service_search: ranking behaviour, facets, paging, the database engine's part, rebuild."""

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openkommune.catalog.models import OzgLeistung
from openkommune.search import engine
from openkommune.search.models import SearchDocument, SearchIndexState
from openkommune.search.selectors import service_search
from openkommune.search.services import search_index_rebuild

pytestmark = pytest.mark.django_db


def _ids(query: str, **kwargs) -> list[str]:
    return [
        leistung.ozg_id for leistung, _score, _leika in service_search(query=query, **kwargs).items
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Führerschein", "10169"),
        ("fuehrerschein", "10169"),
        ("fuhrerschein", "10169"),
        ("führerschien", "10169"),  # typo
        ("persoanlausweis", "10119"),  # typo
        ("perso", "10119"),  # vocabulary
        ("Hund anmelden", "10160"),  # Hund → Hundehaltung
        ("wbs", "10083"),
    ],
)
def test_everyday_spellings_find_the_meant_service_first(query, expected):
    assert _ids(query)[0] == expected


def test_compound_part_finds_the_compound():
    assert "10562" in _ids("Zeugnis", limit=10)  # Führungszeugnis


def test_items_carry_scores_best_first_and_matching_leika():
    result = service_search(query="hundesteuer")
    scores = [score for _o, score, _l in result.items]
    assert scores == sorted(scores, reverse=True)
    leistung, _score, leika = result.items[0]
    assert leistung.ozg_id == "10160"
    assert any("Hundesteuer" in name for _key, name in leika)


def test_paging_is_consistent_with_the_full_list():
    full = _ids("antrag", limit=30)
    assert _ids("antrag", limit=10, offset=10) == full[10:20]
    assert service_search(query="antrag", limit=5).total == service_search(query="antrag").total


def test_facets_count_all_results_and_filter_narrows():
    result = service_search(query="steuer", limit=100)
    assert sum(result.facets.values()) == result.total
    facet, count = next(iter(result.facets.items()))
    narrowed = service_search(query="steuer", themenfeld=facet.official_id, limit=100)
    assert narrowed.total == count
    assert {o.themenfeld.official_id for o, _s, _l in narrowed.items} == {facet.official_id}


@pytest.mark.parametrize("query", ["", "   ", "ich will", "xyzzyq", "!!!"])
def test_empty_stopword_or_unknown_queries_give_nothing(query):
    result = service_search(query=query)
    assert result.items == []
    assert result.total == 0


def test_database_engine_returns_exactly_the_documents_holding_the_terms():
    """The full-text engine (FTS5 or tsvector) is the candidate index: for the same terms it
    must return the same documents as the plain token lists — on either database, which is
    what makes the ranking identical on SQLite and PostgreSQL."""
    documents = {d.ozg_id: set(d.tokens.split()) for d in SearchDocument.objects.all()}
    index = engine.current_index()
    for query in ["kfz zulassen", "hund", "personalausweis verloren", "bafög", "17 jahre"]:
        terms = [t for clause in index.analyse(query) for t in clause.alternatives]
        expected = sorted(o for o, tokens in documents.items() if tokens & set(terms))
        assert terms
        assert engine.candidates(terms) == expected


def test_rebuild_is_idempotent_and_versioned():
    before = SearchIndexState.objects.get().version
    assert search_index_rebuild().changed is False
    assert SearchIndexState.objects.get().version == before
    forced = search_index_rebuild(force=True)
    assert forced.changed
    assert forced.version == before + 1
    assert SearchDocument.objects.count() == forced.documents == 557
    assert _ids("hundesteuer")[0] == "10160"  # the reloaded in-memory data still ranks


def test_rebuilt_index_is_searched_at_once_after_a_cached_answer():
    before = service_search(query="katzenhaltung")  # cached now
    assert before.items[0][0].name != "Katzenhaltung"
    # A catalogue change the index does not know yet (written directly: no import's bump).
    OzgLeistung.objects.filter(ozg_id="10160").update(name="Katzenhaltung")
    assert service_search(query="katzenhaltung").items[0][0].name != "Katzenhaltung"
    assert search_index_rebuild().changed
    top = service_search(query="katzenhaltung").items[0][0]
    assert (top.ozg_id, top.name) == ("10160", "Katzenhaltung")


def test_rebuild_command_reports(capsys):
    call_command("rebuild_search_index")
    assert "Search index unchanged: 557 OZG-Leistungen" in capsys.readouterr().out


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=250), limit=st.integers(min_value=0, max_value=30))
def test_any_query_is_answered_within_the_limit(query, limit):
    result = service_search(query=query, limit=limit)
    assert len(result.items) <= limit
    assert result.total >= len(result.items)
