"""Benchmark: complete submissions per second against a bare Django view doing one INSERT.

    .venv/bin/python bench/submit.py [--count 60] [--rounds 3] [--with-receipt] [--statements]
                                     [--database-url postgres://postgres@127.0.0.1:5432/openkommune_bench]

Builds a fresh database — a temporary SQLite file, or the PostgreSQL database named in
`--database-url` (created, and dropped at the end) — with migrate, the official regions and
catalogue, the published forms and the demo members (Landeshauptstadt Magdeburg offers the
Hundesteuer form). Then, through Django's test client and the whole middleware stack:

- ours: `POST /api/v1/applications` with the Hundesteuer data of one dog for postcode 39104
  and a fresh `Idempotency-Key` — validation against the pinned form version, routing to
  the responsible authority, reference number, storage, timeline, audit record, the case
  opened in the back office, and the confirmation e-mail queued (the database task backend,
  as in production); the receipt PDF is rendered on its first download (ADR 0013), not
  here; `--with-receipt` also downloads each receipt right after the submit (rendering and
  storing it) and runs the e-mail job in the request, to show what that would cost;
- ours, pages: the last step of the citizen journey, `POST /antrag/entwurf/<id>/absenden/`
  of an anonymous draft holding the same data (the drafts are started beforehand, outside
  the measured time; the session carries the draft's token as after its start);
- baseline: a minimal view on the same stack that parses the same JSON body and INSERTs it
  as one row (one SQL statement), answering 201.

Prints, per path, submissions per second, milliseconds per submission and the CPU
milliseconds this process spent on each (the Python side: on a busy machine the wall
time also counts waiting for a core), medians over `--rounds`; the SQL statements of one
submission; and the ratio of the throughputs to the baseline's.
`--statements` also lists the statements of one API and one page submission.
"""

import argparse
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from _setup import setup_django
from search_speed import create_postgres, drop_postgres

BODY = {
    "form": "hundesteuer",
    "version": 0,  # set to the published version in _measure
    "postcode": "39104",
    "email": "erika.beispiel@example.de",
    "data": {
        "anlass": "an",
        "halter": {
            "vorname": "Erika",
            "nachname": "Beispiel (Benchmark, keine echte Person)",
            "geburtsdatum": "1980-05-17",
            "anschrift": {
                "street": "Breiter Weg",
                "house_number": "1",
                "postcode": "39104",
                "city": "Magdeburg",
            },
            "email": "erika.beispiel@example.de",
            "telefon": "0391 123456",
        },
        "hunde": [
            {
                "hund_name": "Bello",
                "rasse": "Mischling",
                "geschlecht": "ruede",
                "wurfdatum": "2024-06-01",
                "chipnummer": "276098106543210",
                "gehalten_seit": "2025-12-15",
                "herkunft": "tierheim",
                "gefaehrlich": False,
                "ermaessigung": "keine",
            }
        ],
        "zahlungsweise": "ueberweisung",
        "versicherung_richtig": True,
    },
}


IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def baseline_view(request):
    from django.db import connection
    from django.http import JsonResponse

    body = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_raw_submission (reference, body) VALUES (%s, %s)",
            [str(uuid.uuid4()), json.dumps(body)],
        )
    return JsonResponse({"status": "ok"}, status=201)


def prepare() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_raw_submission (reference varchar(36) PRIMARY KEY, body text)"
        )


def run(
    client, path: str, count: int, with_key: bool, receipt: bool = False
) -> tuple[float, float]:
    """(submissions per second, CPU milliseconds of this process per submission)."""
    payload = json.dumps(BODY)
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        headers = {"Idempotency-Key": str(uuid.uuid4())} if with_key else {}
        response = client.post(path, payload, content_type="application/json", headers=headers)
        if response.status_code != 201:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:500]!r}")
        if receipt:
            answer = response.json()
            download = client.get(
                answer["receipt_url"], headers={"X-Status-Token": answer["status_token"]}
            )
            if download.status_code != 200:
                raise SystemExit(f"receipt: {download.status_code}")
            b"".join(download.streaming_content)
    return _rates(count, started, cpu)


def _rates(count: int, started: float, cpu: float) -> tuple[float, float]:
    return count / (time.perf_counter() - started), 1000 * (time.process_time() - cpu) / count


def start_drafts(client, count: int) -> list[str]:
    """`count` anonymous drafts holding the benchmark's data, bound to the client's session
    as after their start (outside the measured time)."""
    from openkommune.forms.selectors import form_version_get
    from openkommune.submissions.selectors.journey import SESSION_DRAFTS
    from openkommune.submissions.services import draft_set_data, draft_start, resolve_gemeinde
    from openkommune.submissions.services.routing import route_for_form

    version = form_version_get(key=BODY["form"], number=BODY["version"])
    gemeinde = resolve_gemeinde(postcode=BODY["postcode"], gemeinde_ars=None)
    leistung, _responsibility = route_for_form(form_version=version, gemeinde=gemeinde)
    session = client.session
    grants = dict(session.get(SESSION_DRAFTS, {}))
    ids = []
    for _ in range(count):
        draft, token = draft_start(
            actor=None,
            form_version=version,
            ozg_leistung=leistung,
            gemeinde=gemeinde,
            email=BODY["email"],
        )
        draft_set_data(draft=draft, data=BODY["data"])
        grants[str(draft.public_id)] = token
        ids.append(str(draft.public_id))
    # Only the newest grants count here: the journey keeps 20, the benchmark needs them all.
    session[SESSION_DRAFTS] = grants
    session.save()
    return ids


def run_pages(client, count: int) -> tuple[float, float]:
    from django.urls import reverse

    ids = start_drafts(client, count)
    started, cpu = time.perf_counter(), time.process_time()
    for public_id in ids:
        url = reverse("submissions:submit", args=[public_id])
        response = client.post(url, {"idempotency_key": uuid.uuid4().hex})
        if response.status_code != 303:
            raise SystemExit(f"{url}: {response.status_code} {response.content[:500]!r}")
    return _rates(count, started, cpu)


def statements(client, path: str | None) -> list[str]:
    """The SQL statements of one submission (API with `path`, else one page submission)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if path is None:
        (public_id,) = start_drafts(client, 1)
        from django.urls import reverse

        path, body = reverse("submissions:submit", args=[public_id]), None
    else:
        body = json.dumps(BODY)
    with CaptureQueriesContext(connection) as captured:
        if body is None:
            response = client.post(path, {"idempotency_key": uuid.uuid4().hex})
        else:
            response = client.post(
                path,
                body,
                content_type="application/json",
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
    if response.status_code not in (201, 303):
        raise SystemExit(f"{path}: {response.status_code} {response.content[:500]!r}")
    return [query["sql"] for query in captured.captured_queries]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=60, help="submissions per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--with-receipt",
        action="store_true",
        help="also measure submissions followed by the receipt's first download (rendering it)",
    )
    parser.add_argument(
        "--statements", action="store_true", help="list the SQL of one API and page submission"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        if args.database_url:
            create_postgres(url)
        try:
            _measure(url, args, Path(tmp))
        finally:
            if args.database_url:
                drop_postgres(url)


def _measure(url: str, args, tmp: Path) -> None:
    import os

    os.environ["OPENKOMMUNE_PRIVATE_MEDIA_ROOT"] = str(tmp / "private")
    os.environ["OPENKOMMUNE_DEMO"] = "true"
    os.environ["OPENKOMMUNE_SECURE_SSL_REDIRECT"] = "false"
    os.environ["OPENKOMMUNE_ALLOWED_HOSTS"] = "testserver"
    # Jobs that run in the request (--with-receipt) send to memory, not to a mail server.
    os.environ["OPENKOMMUNE_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    print("Preparing database (regions, catalogue, forms, demo members) …", flush=True)
    setup_django(
        url, "import_regions", "import_catalog", "rebuild_search_index", "load_forms", "load_demo"
    )
    import logging

    # The immediate task backend logs every job at INFO; only the result lines matter here.
    logging.disable(logging.INFO)
    from django.test import Client, override_settings
    from django.urls import path

    from openkommune import urls as project_urls

    prepare()
    from openkommune.forms.selectors import form_current_version

    BODY["version"] = form_current_version(key="hundesteuer").number
    urlpatterns = [path("bench/raw/", baseline_view), *project_urls.urlpatterns]
    # Error pages link static files; the bench runs without `collectstatic`.
    from django.conf import settings

    plain_static = {
        **settings.STORAGES,  # the private files (receipts) stay where they are
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    bench_urls = type("BenchUrls", (), {"urlpatterns": urlpatterns})
    with override_settings(ROOT_URLCONF=bench_urls, STORAGES=plain_static):
        client = Client()
        run(client, "/api/v1/applications", 3, with_key=True)  # warm-up: imports, caches
        run_pages(client, 3)
        run(client, "/bench/raw/", 3, with_key=False)
        counted = {
            "api": statements(client, "/api/v1/applications"),
            "pages": statements(client, None),
            "bare": statements(client, "/bench/raw/"),
        }
        ours, pages, base, inline = [], [], [], []
        for _ in range(args.rounds):
            ours.append(run(client, "/api/v1/applications", args.count, with_key=True))
            pages.append(run_pages(client, args.count))
            base.append(run(client, "/bench/raw/", args.count, with_key=False))
            if args.with_receipt:
                with override_settings(TASKS=IMMEDIATE_TASKS):
                    inline.append(
                        run(client, "/api/v1/applications", args.count, True, receipt=True)
                    )

    from django.db import connection

    if args.statements:
        for name in ("api", "pages"):
            print(f"--- statements of one {name} submission ({len(counted[name])})")
            for number, sql in enumerate(counted[name], 1):
                print(f"{number:3d} {sql[:240]}")
    base_rate = statistics.median(rate for rate, _cpu in base)
    print(f"database: {connection.vendor}, {args.rounds} rounds × {args.count} submissions")
    print(f"  {'path':<30} {'per s':>7} {'ms each':>8} {'CPU ms':>7} {'SQL':>4} {'bare/ours':>10}")
    for label, runs, name in (
        ("complete submission (API)", ours, "api"),
        ("complete submission (pages)", pages, "pages"),
        ("bare view, one INSERT", base, "bare"),
    ):
        rate = statistics.median(rate for rate, _cpu in runs)
        cpu = statistics.median(cpu for _rate, cpu in runs)
        print(
            f"  {label:<30} {rate:7.1f} {1000 / rate:8.2f} {cpu:7.2f} {len(counted[name]):4d} "
            f"{base_rate / rate:9.1f}×"
        )
    if inline:
        inline_median = statistics.median(rate for rate, _cpu in inline)
        print(f"  with the receipt's first download + e-mail: {inline_median:8.1f} /s")


if __name__ == "__main__":
    main()
