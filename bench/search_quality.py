"""Benchmark: search quality of `GET /api/v1/services?q=` on the everyday query set.

    .venv/bin/python bench/search_quality.py [--queries ../shared/eval/search_dev.csv ...]
                                             [--database PATH]

Builds a temporary SQLite database (migrate, `import_catalog`, `rebuild_search_index`),
sends every query of each file (default: the shared dev set and our three held-out sets)
through the API with Django's test client and prints hit@1, hit@3 and MRR (over the
first 10 results), with the misses. `--database` reuses a file (faster when tuning); the
catalogue import and the index build are idempotent.
"""

import argparse
import tempfile
from pathlib import Path

from _setup import DEV_SET, HELD_OUT_SETS, read_queries, setup_django


def evaluate(queries: list[tuple[str, set[str]]]) -> dict:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    hits1 = hits3 = flagged = 0
    reciprocal = 0.0
    misses = []
    for query, accepted in queries:
        response = client.get("/api/v1/services", {"q": query, "limit": 10}, secure=True)
        assert response.status_code == 200, (query, response.status_code)
        body = response.json()
        ids = [item["ozg_id"] for item in body["items"]]
        flagged += body["no_good_match"]
        rank = next((i for i, ozg_id in enumerate(ids, 1) if ozg_id in accepted), None)
        if rank:
            reciprocal += 1 / rank
            hits1 += rank == 1
            hits3 += rank <= 3
        if not rank or rank > 1:
            misses.append((query, sorted(accepted), rank, ids[:3]))
    n = len(queries)
    return {
        "n": n,
        "hit@1": hits1 / n,
        "hit@3": hits3 / n,
        "mrr": reciprocal / n,
        "no_good_match": flagged,
        "misses": misses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, action="append")
    parser.add_argument("--database", type=Path, help="SQLite file to use (kept)")
    args = parser.parse_args()
    files = args.queries or [DEV_SET, *HELD_OUT_SETS]
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(
            f"sqlite:///{args.database or Path(tmp) / 'bench.sqlite3'}",
            "import_catalog",
            "rebuild_search_index",
        )
        from openkommune.catalog.selectors import catalog_counts

        counts = catalog_counts()
        print(
            f"Catalogue: {counts.ozg_leistungen} OZG-Leistungen, "
            f"{counts.assignments} LeiKa rows ({counts.leika_services} LeiKa services)"
        )
        for path in files:
            result = evaluate(read_queries(path))
            print(
                f"\n{path.name}: {result['n']} queries  hit@1 {result['hit@1']:.3f}  "
                f"hit@3 {result['hit@3']:.3f}  MRR {result['mrr']:.3f}  "
                f"'no good match' {result['no_good_match']}"
            )
            for query, accepted, rank, top in result["misses"]:
                where = f"rank {rank}" if rank else "not in top 10"
                print(f"  {query!r}: expected {'/'.join(accepted)}, {where}; top 3 {top}")


if __name__ == "__main__":
    main()
