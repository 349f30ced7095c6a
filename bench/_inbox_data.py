"""Synthetic data of the inbox benchmark (`bench/inbox.py`): authorities, clerks, services
and `--rows` applications with their cases, written in the database by `INSERT … SELECT
generate_series`. Every row is synthetic and marked so; see `inbox.py` for the distributions."""

from __future__ import annotations

import time

SERVICES_PER_AUTHORITY = 12
CLERKS_PER_AUTHORITY = 3
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
