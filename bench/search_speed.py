"""Benchmark: latency of `service_search` against a naive `icontains` baseline, and the
per-request cost of the public reads against a bare Django view, in the same run.

    .venv/bin/python bench/search_speed.py [--rounds 20] [--requests 200]
                                           [--database-url postgres://postgres@127.0.0.1:5432/openkommune_bench]

Builds a fresh database — a temporary SQLite file, or the PostgreSQL database named in
`--database-url` (created, and dropped at the end) — with migrate, `import_regions`,
`import_catalog` and `rebuild_search_index`; PostgreSQL is then ANALYZEd, as a production
database is (these machines run with autovacuum off, which hides the planner's choice).

1. Every query of the dev set `--rounds` times through (a) our `service_search(query=q,
   limit=10)` (query analysis, full-text candidates, Python ranking, the page's rows — with
   the read cache off, so every call does the work) and (b) the baseline a quick
   implementation would write: per word `name__icontains | assignments__name__icontains`,
   OR-ed, distinct, first 10 rows. Prints p50/p95 in ms for both and the ratios.
2. `--requests` rounds of whole requests through Django's WSGI handler (all middleware, no
   test-client instrumentation), the paths interleaved within each round: a bare view doing
   one `SELECT 1` (the baseline), the search API and page, the start page and the responsible
   authority, each cached (the same request repeated, as under load) and uncached (Django's
   dummy cache for that request; the search API cycles through the dev queries). Prints the
   median ms per request and each path's share of the bare view's throughput (bare median /
   path median: on a CPU-bound server, requests per second scale with it).
"""

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

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


def uncached(function):
    """`function` with Django's cache emptied before each call (a dictionary cleared: its
    microseconds are inside the timing)."""

    def call(query: str):
        from django.core.cache import cache

        cache.clear()
        return function(query)

    return call


def measure(function, queries: list[str], rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        for query in queries:
            started = time.perf_counter()
            function(query)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def bare_view(request):
    from django.db import connection
    from django.http import JsonResponse

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


def install_bare_view() -> None:
    """Route /bench/bare/ to `bare_view` in front of the project's URLs; plain static file
    storage (no `collectstatic` manifest in a benchmark)."""
    import types

    from django.conf import settings
    from django.test.utils import override_settings
    from django.urls import include, path

    urls = types.ModuleType("bench_bare_urls")
    urls.urlpatterns = [path("bench/bare/", bare_view), path("", include("openkommune.urls"))]
    sys.modules[urls.__name__] = urls
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(
        ROOT_URLCONF=urls.__name__, STORAGES={**settings.STORAGES, "staticfiles": plain}
    ).enable()


def wsgi_get(handler, target: str) -> None:
    path, _, query = target.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    status = []
    body = handler(environ, lambda s, headers, exc_info=None: status.append(s))
    try:
        b"".join(body)
    finally:
        body.close()
    assert status[0].startswith("200"), (target, status[0])


def request_paths(queries: list[str]) -> list[tuple[str, object, bool]]:
    """(label, target or a function of the round giving one, cache off)."""
    dev = [f"/api/v1/services?{urlencode({'q': q})}" for q in queries]
    responsible = "/api/v1/services/10160/responsible?plz=39104"
    return [
        ("bare view (one SELECT)", "/bench/bare/", False),
        ("search API, cached", "/api/v1/services?q=hund+anmelden", False),
        ("search API, uncached (dev set)", lambda r: dev[r % len(dev)], True),
        ("search page, cached", "/leistungen/suche/?q=hund+anmelden", False),
        ("start page, cached", "/", False),
        ("start page, uncached", "/", True),
        ("responsible API, cached", responsible, False),
        ("responsible API, uncached", responsible, True),
    ]


def request_costs(queries: list[str], rounds: int) -> None:
    from django.core.cache import caches
    from django.core.cache.backends.dummy import DummyCache
    from django.core.handlers.wsgi import WSGIHandler

    install_bare_view()
    handler = WSGIHandler()
    real, dummy = caches["default"], DummyCache("", {})
    paths = request_paths(queries)
    timings: dict[str, list[float]] = {label: [] for label, _t, _c in paths}
    for _label, target, _clear in paths:  # warm: ranking data, templates, connections
        wsgi_get(handler, target(0) if callable(target) else target)
    for round_ in range(rounds):
        for label, target, clear in paths:
            url = target(round_) if callable(target) else target
            caches["default"] = dummy if clear else real
            started = time.perf_counter()
            wsgi_get(handler, url)
            timings[label].append((time.perf_counter() - started) * 1000)
    caches["default"] = real
    bare = statistics.median(timings[paths[0][0]])
    print(f"  per request, {rounds} interleaved rounds (median ms; share of bare throughput)")
    for label, values in timings.items():
        median = statistics.median(values)
        print(f"  {label:32s} {median:7.2f} ms   {bare / median:5.2f}  (1/{median / bare:.1f})")


def candidate_plan(queries: list[str]) -> None:
    """Which plan PostgreSQL picks for the candidate query of each dev query."""
    from django.db import connection

    from openkommune.search import engine

    sql = getattr(engine, "PG_CANDIDATES", None) or (
        "SELECT ozg_id FROM search_searchdocument WHERE "
        "to_tsvector('simple'::regconfig, tokens) @@ to_tsquery('simple'::regconfig, %s)"
    )
    index = engine.current_index()
    plans = {"index": 0, "scan of stored vectors": 0, "scan recomputing vectors": 0}
    for query in queries:
        terms = sorted({t for clause in index.analyse(query) for t in clause.alternatives})
        if not terms:
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}", [" | ".join(terms)])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        if "Bitmap Index Scan" in plan:
            plans["index"] += 1
        elif "to_tsvector" in plan:
            plans["scan recomputing vectors"] += 1
        else:
            plans["scan of stored vectors"] += 1
    print("  candidate query plans (analysed): " + ", ".join(f"{k} {v}" for k, v in plans.items()))


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200, help="rounds of whole requests")
    parser.add_argument("--database-url", help="PostgreSQL database to create and drop")
    args = parser.parse_args()
    queries = [query for query, _accepted in read_queries(DEV_SET)]
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        if args.database_url:
            create_postgres(url)
        try:
            setup_django(url, "import_regions", "import_catalog", "rebuild_search_index")
            from django.db import connection

            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")

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
            if connection.vendor == "postgresql":
                candidate_plan(queries)
            for name, function in [("ours", uncached(ours)), ("baseline icontains", baseline)]:
                timings = measure(function, queries, args.rounds)
                results[name] = (statistics.median(timings), percentile(timings, 0.95))
                print(
                    f"  {name:20s} p50 {results[name][0]:7.2f} ms   p95 {results[name][1]:7.2f} ms"
                )
            (o50, o95), (b50, b95) = results["ours"], results["baseline icontains"]
            print(f"  ratio ours/baseline  p50 {o50 / b50:.2f}   p95 {o95 / b95:.2f}")
            request_costs(queries, args.requests)
        finally:
            if args.database_url:
                drop_postgres(url)


if __name__ == "__main__":
    main()
