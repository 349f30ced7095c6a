"""Benchmark: audit appends by concurrent writers to one authority against the same writers
spread over as many authorities (ADR 0012; issue 13: one authority must reach ≥ 90 %).

    .venv/bin/python bench/audit_chains.py [--writers 16] [--seconds 5] [--rounds 3]
        [--hold-ms 5] [--database-url postgres://postgres@127.0.0.1:5432/openkommune_bench_audit]

Builds a fresh PostgreSQL database (created, and dropped at the end) with migrate and one
organisation per writer. Each writer thread has its own connection and repeats: one
transaction that appends an event to a case with `append_event` and then stays open for
`--hold-ms` (standing in for the rest of a submission's statements, while the chain head is
locked), then commits. Every transaction appends to a new case, like a submission.

- one authority: all writers append to cases of the first organisation;
- spread: writer i appends to cases of organisation i (no shared row at all: the baseline);
- tenant chain (for comparison, what every append did before ADR 0012): all writers append
  events without a case of the first organisation, i.e. to one chain with one locked head.

Prints appends per second (median over `--rounds`) for each and the ratios to spread.
"""

import argparse
import statistics
import threading
import time
import uuid

from _setup import setup_django
from search_speed import create_postgres, drop_postgres


def _run(tenants, *, per_case: bool, seconds: float, hold: float) -> float:
    from django.db import connection, connections, transaction

    from openkommune.cases.constants import CaseEventKind
    from openkommune.cases.services.audit import append_event

    barrier = threading.Barrier(len(tenants) + 1)
    counts = [0] * len(tenants)
    stop = threading.Event()
    errors = []

    def writer(index: int) -> None:
        tenant = tenants[index]
        try:
            barrier.wait()
            while not stop.is_set():
                with transaction.atomic():
                    append_event(
                        tenant=tenant,
                        kind=CaseEventKind.EXPORTED,
                        case_public_id=uuid.uuid4() if per_case else None,
                        payload={"writer": index},
                    )
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_sleep(%s)", [hold])
                counts[index] += 1
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(len(tenants))]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return sum(counts) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hold-ms", type=float, default=5.0)
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/openkommune_bench_audit",
    )
    args = parser.parse_args()
    create_postgres(args.database_url)
    try:
        setup_django(args.database_url)
        from openkommune.cases.services.audit import verify_chain
        from openkommune.tenancy.constants import OrganisationKind
        from openkommune.tenancy.models import Organisation

        tenants = [
            Organisation.objects.create(
                name=f"Benchmarkgemeinde {i}",
                short_name=f"Bench {i}",
                kind=OrganisationKind.GEMEINDE,
                city="Bench",
            )
            for i in range(args.writers)
        ]
        hold = args.hold_ms / 1000
        runs = {
            "one authority": lambda: _run(
                [tenants[0]] * args.writers, per_case=True, seconds=args.seconds, hold=hold
            ),
            "spread": lambda: _run(tenants, per_case=True, seconds=args.seconds, hold=hold),
            "tenant chain": lambda: _run(
                [tenants[0]] * args.writers, per_case=False, seconds=args.seconds, hold=hold
            ),
        }
        results = {name: [] for name in runs}
        for _round in range(args.rounds):
            for name, run in runs.items():  # interleaved: the machine's load hits all alike
                results[name].append(run())
        medians = {name: statistics.median(values) for name, values in results.items()}
        print(
            f"{args.writers} writers, {args.seconds:g} s per run, {args.rounds} rounds, "
            f"{args.hold_ms:g} ms held per transaction"
        )
        for name, value in medians.items():
            ratio = value / medians["spread"]
            print(f"  {name:14} {value:8.1f} appends/s  ({ratio:.0%} of spread)")
        for tenant in tenants:
            report = verify_chain(tenant)
            assert report.ok, report.message
    finally:
        drop_postgres(args.database_url)


if __name__ == "__main__":
    main()
