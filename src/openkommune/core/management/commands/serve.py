"""Serve in the production profile (`make serve`):

    openkommune serve [--job-workers N] [--secret-key-file var/secret_key]

gunicorn with `OPENKOMMUNE_WEB_WORKERS` x `OPENKOMMUNE_WEB_THREADS` plus
`OPENKOMMUNE_JOB_WORKERS` job workers, supervised by this process (`openkommune.core.serve`):
SIGTERM/SIGINT stop all of them gracefully, a job worker that died is started again.
Before starting it checks that the database answers, and stops with a clear message if not.
"""

import os
import secrets
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from openkommune.core import database, gunicorn_config, serve, worker
from openkommune.core.env import env_int


class Command(BaseCommand):
    help = "Start gunicorn and the job workers (the production profile) and supervise them."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--job-workers", type=int, default=env_int("OPENKOMMUNE_JOB_WORKERS", 2)
        )
        parser.add_argument(
            "--secret-key-file",
            help="Developer machines only: without OPENKOMMUNE_SECRET_KEY, read the key from "
            "this file, generating it on the first run.",
        )
        parser.add_argument("--stop-timeout", type=float, default=None)

    def handle(self, *args, job_workers, secret_key_file, stop_timeout, **options):
        env = dict(os.environ)
        env["OPENKOMMUNE_SECRET_KEY"] = self._secret_key(secret_key_file)
        database.check_reachable()
        connection.close()
        if not worker.uses_job_workers():
            job_workers = 0  # jobs run at once in the web process (OPENKOMMUNE_TASKS_BACKEND)
        graceful = gunicorn_config.graceful_timeout
        self.stdout.write(
            f"OpenKommune (gunicorn, {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
            f"{job_workers} Job-Worker) – Beenden mit Strg+C / stop with Ctrl+C"
        )
        code = serve.serve(
            env=env,
            job_workers=job_workers,
            stop_timeout=stop_timeout if stop_timeout is not None else graceful + 10,
        )
        sys.exit(code)

    def _secret_key(self, secret_key_file: str | None) -> str:
        key = os.environ.get("OPENKOMMUNE_SECRET_KEY", "")
        if key:
            return key
        if not secret_key_file:
            raise CommandError(
                "OPENKOMMUNE_SECRET_KEY ist nicht gesetzt / is not set. Production: set it in "
                "the environment (python3 -c 'import secrets; print(secrets.token_urlsafe(50))')."
            )
        path = Path(secret_key_file)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(50) + "\n")
            path.chmod(0o600)
            self.stdout.write(
                f"Neuer geheimer Schlüssel in {path} erzeugt (nur für diesen Rechner) / "
                f"generated a new secret key into {path} (this machine only). "
                "In production set OPENKOMMUNE_SECRET_KEY."
            )
        return path.read_text().strip()
