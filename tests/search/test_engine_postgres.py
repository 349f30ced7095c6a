"""The candidate query uses the stored, GIN-indexed vector on an analysed PostgreSQL.

These machines run PostgreSQL with autovacuum off, so a fresh test database has no
statistics and hides the planner's choice; production databases are analysed. Over the
former expression index the planner chose a sequential scan that recomputed every
document's vector (docs/adr/0004-search.md, amendment)."""

import pytest
from django.db import connection

from openkommune.search import engine

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL planner check; SQLite answers from its FTS5 table (same terms, "
        "tested in test_selectors.py on either database)",
    ),
]

# Citizen queries of up to four terms (stems, synonyms, prefix expansions), like half the dev
# set: the planner reads these from the index. For longer lists of alternatives it may
# prefer one pass over the 557 stored vectors (about 0.4 ms), which it also prices right.
SHORT_QUERIES = ["hundesteuer", "führerschein", "wohngeld beantragen", "einbürgerung"]
LONG_QUERIES = ["Hund anmelden", "kfz zulassen", "personalausweis verloren", "schulanmeldung"]


def _plan(terms: list[str]) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {engine.PG_CANDIDATES}", [" | ".join(sorted(set(terms)))])
        return "\n".join(row[0] for row in cursor.fetchall())


def _terms(query: str) -> list[str]:
    return [t for clause in engine.current_index().analyse(query) for t in clause.alternatives]


@pytest.fixture
def analysed():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchdocument")


@pytest.mark.parametrize("query", SHORT_QUERIES)
def test_analysed_database_answers_candidates_from_the_gin_index(analysed, query):
    plan = _plan(_terms(query))
    assert "search_document_vector_gin" in plan, plan
    assert "to_tsvector" not in plan, plan


def test_no_query_recomputes_the_vectors(analysed):
    """Whatever the planner picks for a long list of alternatives, it reads stored vectors."""
    index = engine.current_index()
    long_query = " ".join(sorted(index.lexicon)[:40])
    for query in [*SHORT_QUERIES, *LONG_QUERIES, long_query]:
        plan = _plan(_terms(query))
        assert "search_vector @@" in plan, plan
        assert "to_tsvector" not in plan, plan
