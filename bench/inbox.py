"""Benchmark: the authority inbox on a million cases against the raw SQL of the same page.

    .venv/bin/python bench/inbox.py [--rows 1000000] [--authorities 100] [--repeats 25]
                                    [--database-url postgres://postgres@127.0.0.1:5432/openkommune_bench_inbox]
                                    [--keep] [--reuse]

Builds a fresh PostgreSQL database (created, and dropped at the end unless `--keep`; `--reuse`
measures again on a kept one without loading): migrate,
`import_catalog`, `load_forms`; then synthetic authorities ("Synthetische Behörde 001
(Benchmark)"), three clerks each, 12 activated services each, and `--rows` applications with
their cases, written by `INSERT … SELECT generate_series` in the database. Every row is
synthetic and marked so: applications are `is_demo` with `{"synthetisch": true}` as data,
names are combinations of common German first and last names, e-mail addresses end in
`.invalid`. Distributions: authority sizes skewed like a Land's (a few large cities, many
small municipalities: weight 1/rank^0.8), services skewed within an authority, submissions
over three years with more recent ones, status by age (old cases mostly closed), deadlines for
8 of 12 services, follow-ups on a tenth of the open cases, a third of the cases unassigned.
Then `VACUUM ANALYZE`.

Measured on the largest authority and on the median one, each scenario `--repeats` times
(interleaved, medians in ms):

- first page: no filter, newest first, page 1;
- filtered page: status `in_progress` + the authority's most common service + a search term
  (a common last-name fragment);
- search only: the term over all the authority's cases;
- deep page: page 200 of the unfiltered inbox (offset 4,975; the cap is 10,000 rows).

For each: (a) our selector's page query (`inbox_rows(inbox_cases(...), offset=…, limit=25)`,
rows with service and assignee) against the hand-written
`SELECT … ORDER BY … LIMIT 25 OFFSET n` of the same columns; (b) our whole inbox read
(`inbox_page`: the counts per status and the page) against the hand-written `GROUP BY` plus
the page; (c) the inbox view through Django's test client (session, login, middleware,
filter form, template) against the same raw SQL as (b). Prints the ratios; the goal is (a)
and (b) within 3x of the raw SQL.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _inbox_data import authority_sizes, create_people_and_authorities, load_cases
from _setup import setup_django
from search_speed import create_postgres, drop_postgres

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/openkommune_bench_inbox"
PAGE = 25
SEARCH_TERM = "schmi"  # Schmidt, Schmitt, Schmitz


# --- measurements -----------------------------------------------------------------------------

COLUMNS = """c.public_id, c.reference, c.applicant_name, c.submitted_at, c.status, c.decision,
    c.due_on, c.follow_up_on, c.ozg_leistung_id, c.assigned_to_id, l.id, l.ozg_id, l.name,
    u.id, u.first_name, u.last_name, u.email"""


def raw_page(cursor, where: str, params: list, offset: int):
    # Constant fragments only; every value is a parameter.
    cursor.execute(
        f"SELECT {COLUMNS} FROM cases_case c "  # noqa: S608
        "JOIN catalog_ozgleistung l ON l.id = c.ozg_leistung_id "
        "LEFT JOIN accounts_user u ON u.id = c.assigned_to_id "
        f"WHERE {where} ORDER BY c.submitted_at DESC, c.id DESC LIMIT {PAGE} OFFSET {offset}",
        params,
    )
    return cursor.fetchall()


def raw_counts(cursor, where: str, params: list):
    cursor.execute(
        f"SELECT c.status, count(*) FROM cases_case c WHERE {where} GROUP BY c.status",  # noqa: S608
        params,
    )
    return cursor.fetchall()


def scenarios(tenant_id: int):
    """(name, InboxFilters, page number, raw WHERE for the page, raw WHERE for the counts)."""
    from django.db import connection

    from openkommune.cases.selectors.inbox import InboxFilters

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ozg_leistung_id FROM cases_case WHERE tenant_id = %s "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
            [tenant_id],
        )
        service = cursor.fetchone()[0]
    like = f"%{SEARCH_TERM}%"
    tenant = ("c.tenant_id = %s", [tenant_id])
    return [
        ("first page", InboxFilters(), 1, tenant, tenant, {}),
        (
            "filtered page",
            InboxFilters(status="in_progress", ozg_leistung_id=service, query=SEARCH_TERM),
            1,
            (
                "c.tenant_id = %s AND c.status = %s AND c.ozg_leistung_id = %s "
                "AND c.search_text LIKE %s",
                [tenant_id, "in_progress", service, like],
            ),
            (
                "c.tenant_id = %s AND c.ozg_leistung_id = %s AND c.search_text LIKE %s",
                [tenant_id, service, like],
            ),
            {"status": "in_progress", "leistung": service, "q": SEARCH_TERM},
        ),
        (
            "search only",
            InboxFilters(query=SEARCH_TERM),
            1,
            ("c.tenant_id = %s AND c.search_text LIKE %s", [tenant_id, like]),
            ("c.tenant_id = %s AND c.search_text LIKE %s", [tenant_id, like]),
            {"q": SEARCH_TERM},
        ),
        ("deep page (200)", InboxFilters(), 200, tenant, tenant, {"seite": 200}),
    ]


def contenders(tenant, user, client, scenario) -> dict:
    """The five ways of reading one scenario's page, as functions without arguments."""
    from django.db import connection

    from openkommune.cases.selectors.inbox import inbox_cases, inbox_page, inbox_rows

    _name, filters, number, (where, params), (cwhere, cparams), query = scenario
    offset = (number - 1) * PAGE

    def ours_rows():
        cases = inbox_cases(tenant=tenant, user=user, filters=filters)
        return inbox_rows(cases, sort="submitted", descending=True, offset=offset, limit=PAGE)

    def ours_full():
        return inbox_page(tenant=tenant, user=user, filters=filters, page=number)

    def raw_rows():
        with connection.cursor() as cursor:
            return raw_page(cursor, where, params, offset)

    def raw_full():
        with connection.cursor() as cursor:
            return raw_counts(cursor, cwhere, cparams), raw_page(cursor, where, params, offset)

    def view():
        response = client.get("/behoerde/eingang/", query, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"view answered {response.status_code}")
        return response

    return {"ours": ours_rows, "raw": raw_rows, "ours_full": ours_full,
            "raw_full": raw_full, "view": view}  # fmt: skip


def measure_authority(tenant, user, repeats: int) -> list[tuple]:
    from django.test import Client

    from openkommune.catalog.models import OzgLeistung

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    results = []
    for scenario in scenarios(tenant.pk):
        name, query = scenario[0], scenario[-1]
        if "leistung" in query:
            query["leistung"] = OzgLeistung.objects.get(pk=query["leistung"]).ozg_id
        functions = contenders(tenant, user, client, scenario)
        # Same rows: the raw SQL is the same page.
        ours = [row.reference for row in functions["ours"]()]
        assert ours == [row[1] for row in functions["raw"]()], name
        matches = functions["ours_full"]().total
        for function in functions.values():
            function()  # warm caches and the connection
        timings = {key: [] for key in functions}
        for _ in range(repeats):
            # Interleaved, so that the machine's noise hits every contender alike.
            for key, function in functions.items():
                started = time.perf_counter()
                function()
                timings[key].append((time.perf_counter() - started) * 1000)
        medians = {key: statistics.median(values) for key, values in timings.items()}
        results.append((name, matches, medians))
    return results


def report(label: str, size: int, results) -> None:
    print(f"\n{label} ({size:,} cases), medians in ms:")
    print(
        f"  {'scenario':16s} {'matches':>8s} | {'selector':>8s} {'raw':>7s} {'ratio':>5s} | "
        f"{'page+counts':>11s} {'raw':>7s} {'ratio':>5s} | {'view':>7s} {'vs raw':>6s}"
    )
    for name, matches, m in results:
        print(
            f"  {name:16s} {matches:8,d} | {m['ours']:8.2f} {m['raw']:7.2f} "
            f"{m['ours'] / m['raw']:5.2f} | {m['ours_full']:11.2f} {m['raw_full']:7.2f} "
            f"{m['ours_full'] / m['raw_full']:5.2f} | {m['view']:7.2f} "
            f"{m['view'] / m['raw_full']:6.2f}"
        )


def kept_authorities():
    """The authorities, clerks and sizes of a database kept by an earlier run (`--reuse`)."""
    from django.db.models import Count

    from openkommune.cases.models import Case
    from openkommune.tenancy.models import Membership, Organisation
    from openkommune.tenancy.scoping import scopes_disabled

    with scopes_disabled():
        organisations = list(
            Organisation.objects.filter(name__startswith="Synthetische Behörde").order_by("pk")
        )
        clerks: dict[int, list[int]] = {}
        for tenant_id, user_id in Membership.objects.order_by("user_id").values_list(
            "tenant_id", "user_id"
        ):
            clerks.setdefault(tenant_id, []).append(user_id)
        counts = dict(Case.objects.order_by().values_list("tenant_id").annotate(n=Count("*")))
    return organisations, clerks, [counts.get(o.pk, 0) for o in organisations]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--authorities", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="measure on a database kept with --keep (no load)"
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        raise SystemExit("This benchmark needs PostgreSQL (--database-url postgres://…).")
    started = time.perf_counter()
    if not args.reuse:
        create_postgres(args.database_url)
    try:
        print("Preparing database (catalogue, forms) …", flush=True)
        setup_django(args.database_url, *([] if args.reuse else ["import_catalog", "load_forms"]))
        from django.db import connection
        from django.test import override_settings

        from openkommune.accounts.models import User
        from openkommune.tenancy.scoping import scopes_disabled

        if args.reuse:
            organisations, clerks, sizes = kept_authorities()
        else:
            organisations, offered, clerks = create_people_and_authorities(args.authorities)
            print(f"Loading {args.rows:,} synthetic applications and cases …", flush=True)
            load_cases(args.rows, organisations, offered, clerks)
            sizes = authority_sizes(args.rows, args.authorities)
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0].split(" on ")[0]
        print(f"\n{version}; {sum(sizes):,} cases over {len(sizes)} authorities; "
              f"{args.repeats} repeats; page size {PAGE}")  # fmt: skip
        median_index = len(sizes) // 2
        # The production storage needs `collectstatic`; the page only needs the URLs.
        plain_static = {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        for label, index in (("largest authority", 0), ("median authority", median_index)):
            tenant = organisations[index]
            with scopes_disabled():
                user = User.objects.get(pk=clerks[tenant.pk][0])
            with override_settings(STORAGES=plain_static):
                results = measure_authority(tenant, user, args.repeats)
            report(label, sizes[index], results)
    finally:
        if not args.keep:
            drop_postgres(args.database_url)
    print(f"\ntotal run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
