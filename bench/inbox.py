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

from _setup import setup_django
from search_speed import create_postgres, drop_postgres

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/openkommune_bench_inbox"
SERVICES_PER_AUTHORITY = 12
CLERKS_PER_AUTHORITY = 3
PAGE = 25
SEARCH_TERM = "schmi"  # Schmidt, Schmitt, Schmitz
# Common German names; every combination is synthetic. (fmt: one line per few names)
# fmt: off
FIRST_NAMES = [
    "Anna", "Maria", "Emma", "Sophie", "Marie", "Lena", "Hannah", "Mia", "Laura", "Lea", "Julia",
    "Sarah", "Lisa", "Katharina", "Johanna", "Clara", "Ursula", "Monika", "Sabine", "Petra",
    "Andrea", "Claudia", "Susanne", "Birgit", "Renate", "Helga", "Erika", "Ingrid", "Lukas",
    "Paul", "Jonas", "Leon", "Finn", "Elias", "Felix", "Maximilian", "Ben", "Noah", "Thomas",
    "Michael", "Andreas", "Stefan", "Peter", "Klaus", "Jürgen", "Wolfgang", "Frank", "Uwe",
    "Dieter", "Günter", "Hans", "Jörg", "Matthias", "Markus", "Sven", "Tobias", "Özlem", "Ayşe",
    "Mehmet", "Can",
]
LAST_NAMES = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
    "Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler",
    "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz",
    "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich", "Keller", "Günther",
    "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Franke", "Albrecht",
    "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher", "Krämer",
    "Vogt", "Stein", "Jäger", "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Brandt", "Haas",
    "Schreiber", "Graf", "Schulte", "Dietrich", "Ziegler", "Kuhn", "Kühn", "Pohl", "Engel",
    "Horn", "Busch", "Bergmann", "Thomas", "Voigt", "Sauer", "Arnold", "Wolff", "Pfeiffer",
    "Yılmaz", "Kaya", "Nowak",
]
# fmt: on
# Reference letters without 0/O and 1/I, as submissions.references uses them.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


# --- data -------------------------------------------------------------------------------------


def create_people_and_authorities(authorities: int):
    """Authorities, their clerks and activated services (few rows: through the ORM)."""
    from django.contrib.auth.hashers import make_password

    from openkommune.accounts.models import User
    from openkommune.catalog.models import OzgLeistung, ServiceActivation
    from openkommune.tenancy.constants import OrganisationKind, Role
    from openkommune.tenancy.models import Membership, Organisation
    from openkommune.tenancy.scoping import scopes_disabled

    services = list(
        OzgLeistung.objects.filter(is_current=True).order_by("ozg_id")[: 4 * SERVICES_PER_AUTHORITY]
    )
    password = make_password(None)
    with scopes_disabled():
        organisations = Organisation.objects.bulk_create(
            Organisation(
                name=f"Synthetische Behörde {n:03d} (Benchmark)",
                short_name=f"Synth {n:03d}",
                kind=OrganisationKind.GEMEINDE,
                is_demo=True,
            )
            for n in range(1, authorities + 1)
        )
        users = User.objects.bulk_create(
            User(
                email=f"sachbearbeitung-{o.pk}-{k}@benchmark.invalid",
                first_name=FIRST_NAMES[(o.pk + k) % len(FIRST_NAMES)],
                last_name=f"Synthetisch {k}",
                password=password,
                is_demo=True,
            )
            for o in organisations
            for k in range(CLERKS_PER_AUTHORITY)
        )
        Membership.objects.bulk_create(
            Membership(tenant=o, user=users[i * CLERKS_PER_AUTHORITY + k], role=Role.CLERK)
            for i, o in enumerate(organisations)
            for k in range(CLERKS_PER_AUTHORITY)
        )
        offered = {}
        rows = []
        for i, organisation in enumerate(organisations):
            # Neighbouring authorities offer overlapping, not identical, services.
            chosen = [services[(i + j * 3) % len(services)] for j in range(SERVICES_PER_AUTHORITY)]
            offered[organisation.pk] = [s.pk for s in chosen]
            rows += [
                ServiceActivation(tenant=organisation, ozg_leistung=s, is_active=True)
                for s in chosen
            ]
        ServiceActivation.objects.bulk_create(rows)
    clerks = {
        o.pk: [u.pk for u in users[i * CLERKS_PER_AUTHORITY : (i + 1) * CLERKS_PER_AUTHORITY]]
        for i, o in enumerate(organisations)
    }
    return organisations, offered, clerks


def authority_sizes(rows: int, authorities: int) -> list[int]:
    weights = [1 / (rank**0.8) for rank in range(1, authorities + 1)]
    total = sum(weights)
    sizes = [int(rows * w / total) for w in weights]
    sizes[0] += rows - sum(sizes)
    return sizes


GENERATE = """
CREATE UNLOGGED TABLE bench_rows AS
WITH plan AS (
    SELECT * FROM unnest(%(tenants)s::bigint[], %(lows)s::bigint[], %(highs)s::bigint[],
                         %(codes)s::text[])
        AS p(tenant_id, lo, hi, code)
), base AS (
    SELECT g, p.tenant_id, p.code,
           now() - power(random(), 1.6) * interval '1095 days' AS submitted_at,
           floor(power(random(), 2.2) * 12)::int + 1 AS service_slot,
           random() AS r_status, random() AS r_decision, random() AS r_assign,
           random() AS r_follow, (g * 2654435761::bigint) %% 1099511627776 AS h,
           1 + floor(random() * %(n_first)s)::int AS fi,
           1 + floor(power(random(), 1.8) * %(n_last)s)::int AS li
    FROM generate_series(1, %(rows)s) AS g
    JOIN plan p ON g BETWEEN p.lo AND p.hi
), aged AS (
    SELECT *, now() - submitted_at > interval '120 days' AS old FROM base
)
SELECT g, tenant_id, submitted_at,
    (%(services)s::bigint[])[(tenant_id - %(first_tenant)s) * 12 + service_slot] AS service_id,
    service_slot,
    CASE WHEN old THEN CASE WHEN r_status < 0.85 THEN 'closed' WHEN r_status < 0.93 THEN 'decided'
                            WHEN r_status < 0.98 THEN 'dormant' ELSE 'in_progress' END
         ELSE CASE WHEN r_status < 0.30 THEN 'received' WHEN r_status < 0.70 THEN 'in_progress'
                   WHEN r_status < 0.85 THEN 'information_requested'
                   WHEN r_status < 0.95 THEN 'decided' ELSE 'dormant' END
    END AS status,
    r_decision, r_assign, r_follow,
    (%(first)s::text[])[fi] || ' ' || (%(last)s::text[])[li] AS applicant_name,
    (%(first_lower)s::text[])[fi] || ' ' || (%(last_lower)s::text[])[li] AS name_lower,
    to_char(submitted_at, 'YYYY') || '-' || code || '-' ||
        substr(%(alphabet)s, (h / 34359738368 %% 32)::int + 1, 1) ||
        substr(%(alphabet)s, (h / 1073741824 %% 32)::int + 1, 1) ||
        substr(%(alphabet)s, (h / 33554432 %% 32)::int + 1, 1) ||
        substr(%(alphabet)s, (h / 1048576 %% 32)::int + 1, 1) || '-' ||
        substr(%(alphabet)s, (h / 32768 %% 32)::int + 1, 1) ||
        substr(%(alphabet)s, (h / 1024 %% 32)::int + 1, 1) ||
        substr(%(alphabet)s, (h / 32 %% 32)::int + 1, 1) ||
        substr(%(alphabet)s, (h %% 32)::int + 1, 1) AS reference
FROM aged
"""

INSERT_APPLICATIONS = """
INSERT INTO submissions_application (
    tenant_id, public_id, reference, form_version_id, ozg_leistung_id, gemeinde_ars, data,
    authority, email, idempotency_key, request_fingerprint, status, submitted_at,
    status_token_salt, status_token_hash, receipt_name, receipt_sha256, receipt_pending,
    is_demo, created_at, updated_at)
SELECT tenant_id, gen_random_uuid(), reference, %(form_version)s, service_id, '150030000000',
    '{"synthetisch": true}'::jsonb, '{}'::jsonb, 'antrag-' || g || '@benchmark.invalid',
    md5(g::text) || md5('k' || g::text), '',
    CASE status WHEN 'dormant' THEN 'in_progress' ELSE status END, submitted_at,
    md5('s' || g::text), md5('t' || g::text) || md5('u' || g::text),
    'receipts/benchmark-' || g || '.pdf', md5('r' || g::text) || md5('q' || g::text), false,
    true, submitted_at, submitted_at
FROM bench_rows
"""

INSERT_CASES = """
INSERT INTO cases_case (
    tenant_id, public_id, application_id, reference, applicant_name, search_text,
    ozg_leistung_id, submitted_at, status, status_changed_at, decision, assigned_to_id,
    follow_up_on, due_on, closed_at, created_at, updated_at)
SELECT r.tenant_id, gen_random_uuid(), a.id, r.reference, r.applicant_name,
    lower(r.reference) || ' ' || r.name_lower, r.service_id, r.submitted_at, r.status,
    r.submitted_at + interval '3 days',
    CASE WHEN r.status IN ('decided', 'closed') THEN
        CASE WHEN r_decision < 0.80 THEN 'approved' WHEN r_decision < 0.92 THEN 'rejected'
             ELSE 'partial' END
    ELSE '' END,
    CASE WHEN r.status = 'received' AND r_assign < 0.8 THEN NULL
         WHEN r_assign < 0.33 THEN NULL
         ELSE (%(clerks)s::bigint[])[(r.tenant_id - %(first_tenant)s) * 3 + 1
                                     + (floor(r_assign * 3)::int %% 3)]
    END,
    CASE WHEN r.status IN ('received', 'in_progress', 'information_requested', 'dormant')
              AND r_follow < 0.1
         THEN current_date + (floor(r_follow * 600)::int - 30) END,
    CASE WHEN r.service_slot <= 8
         THEN (r.submitted_at AT TIME ZONE 'Europe/Berlin')::date + (30 * (1 + r.service_slot %% 3))
    END,
    CASE WHEN r.status = 'closed' THEN r.submitted_at + interval '40 days' END,
    r.submitted_at, r.submitted_at
FROM bench_rows r JOIN submissions_application a ON a.reference = r.reference
"""


def load_cases(rows: int, organisations, offered, clerks) -> None:
    from django.db import connection

    from openkommune.forms.models import FormVersion

    sizes = authority_sizes(rows, len(organisations))
    lows, highs, start = [], [], 1
    for size in sizes:
        lows.append(start)
        highs.append(start + size - 1)
        start += size
    first_tenant = organisations[0].pk
    assert [o.pk for o in organisations] == list(range(first_tenant, first_tenant + len(sizes)))
    params = {
        "tenants": [o.pk for o in organisations],
        "lows": lows,
        "highs": highs,
        "codes": [ALPHABET[i // 32 % 32] + ALPHABET[i % 32] for i in range(len(organisations))],
        "rows": rows,
        "services": [pk for o in organisations for pk in offered[o.pk]],
        "first_tenant": first_tenant,
        "first": FIRST_NAMES,
        "last": LAST_NAMES,
        "first_lower": [n.lower() for n in FIRST_NAMES],
        "last_lower": [n.lower() for n in LAST_NAMES],
        "n_first": len(FIRST_NAMES),
        "n_last": len(LAST_NAMES),
        "alphabet": ALPHABET,
        "form_version": FormVersion.objects.order_by("pk").values_list("pk", flat=True).first(),
        "clerks": [pk for o in organisations for pk in clerks[o.pk]],
    }
    with connection.cursor() as cursor:
        # Indexes are built after the load (as a restore would), the GIN one above all.
        cursor.execute("DROP INDEX IF EXISTS case_tenant_search_trgm")
        _timed(cursor, "plan rows", GENERATE, params)
        _timed(cursor, "applications", INSERT_APPLICATIONS, params)
        _timed(cursor, "cases", INSERT_CASES, params)
        cursor.execute("DROP TABLE bench_rows")
        _timed(
            cursor,
            "trigram index",
            "CREATE INDEX case_tenant_search_trgm ON cases_case "
            "USING gin (tenant_id, search_text gin_trgm_ops)",
        )
    with connection.cursor() as cursor:
        _timed(cursor, "vacuum analyze", "VACUUM ANALYZE")


def _timed(cursor, label, sql, params=None) -> None:
    started = time.perf_counter()
    cursor.execute(sql, params)
    print(f"  {label:16s} {time.perf_counter() - started:6.1f} s", flush=True)


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
