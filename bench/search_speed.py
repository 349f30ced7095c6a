"""Benchmark: latency of `service_search` against a naive `icontains` baseline.

    .venv/bin/python bench/search_speed.py [--rounds 20]
                                           [--database-url postgres://postgres@127.0.0.1:5432/openkommune_bench]

Builds a fresh database — a temporary SQLite file, or the PostgreSQL database named in
`--database-url` (created, and dropped at the end) — with migrate, `import_catalog` and
`rebuild_search_index`, then runs every query of the dev set `--rounds` times through
(a) our `service_search(query=q, limit=10)` (query analysis, full-text candidates from FTS5 or
the GIN tsvector index, Python ranking, the page's rows) and (b) the baseline a quick
implementation would write: per word `name__icontains | assignments__name__icontains`,
OR-ed, distinct, first 10 rows. Prints p50/p95 in ms for both and the ratios.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from _setup import DEV_SET, read_queries, setup_django


def _admin_connection(url: str):
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    return psycopg.connect(admin, autocommit=True), parts.path.lstrip("/")


def create_postgres(url: str) -> None:
    connection, name = _admin_connection(url)
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_postgres(url: str) -> None:
    from django.db import connections

    connections.close_all()
    connection, name = _admin_connection(url)
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def ours(query: str) -> list[str]:
    from openkommune.search.selectors import service_search

    return [o.ozg_id for o, _s, _l in service_search(query=query, limit=10).items]


def baseline(query: str) -> list[str]:
    from django.db.models import Q

    from openkommune.catalog.models import OzgLeistung

    condition = Q()
    for word in query.split():
        condition |= Q(name__icontains=word) | Q(assignments__name__icontains=word)
    rows = OzgLeistung.objects.filter(condition, is_current=True).distinct().order_by("name")
    return [o.ozg_id for o in rows[:10]]


def measure(function, queries: list[str], rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        for query in queries:
            started = time.perf_counter()
            function(query)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--database-url", help="PostgreSQL database to create and drop")
    args = parser.parse_args()
    queries = [query for query, _accepted in read_queries(DEV_SET)]
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        if args.database_url:
            create_postgres(url)
        try:
            setup_django(url, "import_catalog", "rebuild_search_index")
            from django.db import connection

            from openkommune.catalog.selectors import catalog_counts

            counts = catalog_counts()
            ours(queries[0])  # load the ranking data once, as a running process has it
            baseline(queries[0])
            hits = sum(1 for q in queries if ours(q))
            print(
                f"{connection.vendor}: {counts.ozg_leistungen} OZG-Leistungen, "
                f"{counts.assignments} LeiKa rows; {len(queries)} dev queries "
                f"x {args.rounds} rounds ({hits} with results)"
            )
            results = {}
            for name, function in [("ours", ours), ("baseline icontains", baseline)]:
                timings = measure(function, queries, args.rounds)
                results[name] = (statistics.median(timings), percentile(timings, 0.95))
                print(
                    f"  {name:20s} p50 {results[name][0]:7.2f} ms   p95 {results[name][1]:7.2f} ms"
                )
            (o50, o95), (b50, b95) = results["ours"], results["baseline icontains"]
            print(f"  ratio ours/baseline  p50 {o50 / b50:.2f}   p95 {o95 / b95:.2f}")
        finally:
            if args.database_url:
                drop_postgres(url)


if __name__ == "__main__":
    main()
