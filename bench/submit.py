"""Benchmark: complete submissions per second against a bare Django view doing one INSERT.

    .venv/bin/python bench/submit.py [--count 60] [--rounds 3] [--with-receipt]
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
- baseline: a minimal view on the same stack that parses the same JSON body and INSERTs it
  as one row (one SQL statement), answering 201.

Prints submissions per second (median over `--rounds`) for both and the ratio.
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
        "bereits_angemeldet": 0,
        "hunde": [
            {
                "hund_name": "Bello",
                "rasse": "Mischling",
                "geschlecht": "ruede",
                "farbe": "schwarz",
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


def run(client, path: str, count: int, with_key: bool, receipt: bool = False) -> float:
    payload = json.dumps(BODY)
    started = time.perf_counter()
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
    return count / (time.perf_counter() - started)


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
        run(client, "/bench/raw/", 3, with_key=False)
        ours, base, inline = [], [], []
        for _ in range(args.rounds):
            ours.append(run(client, "/api/v1/applications", args.count, with_key=True))
            base.append(run(client, "/bench/raw/", args.count, with_key=False))
            if args.with_receipt:
                with override_settings(TASKS=IMMEDIATE_TASKS):
                    inline.append(
                        run(client, "/api/v1/applications", args.count, True, receipt=True)
                    )

    from django.db import connection

    ours_median, base_median = statistics.median(ours), statistics.median(base)
    print(f"database: {connection.vendor}, {args.rounds} rounds × {args.count} submissions")
    print(f"  complete submission (API): {ours_median:8.1f} /s")
    print(f"  bare view, one INSERT:     {base_median:8.1f} /s")
    print(f"  ratio bare/ours:           {base_median / ours_median:8.1f} ×")
    if inline:
        inline_median = statistics.median(inline)
        print(f"  with the receipt's first download + e-mail: {inline_median:8.1f} /s")


if __name__ == "__main__":
    main()
