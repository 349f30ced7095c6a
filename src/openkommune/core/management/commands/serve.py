"""Serve in the production profile (`make serve`):

    openkommune serve [--layout split|single] [--job-workers N] [--secret-key-file var/secret_key]

`split` (default, `OPENKOMMUNE_SERVE_LAYOUT`, ADR 0016): nginx on `OPENKOMMUNE_BIND` in
front of a reader pool (`OPENKOMMUNE_WEB_WORKERS` x `OPENKOMMUNE_WEB_THREADS`) and a writer
pool of lower CPU priority for citizens' writes; `single`: one gunicorn pool on
`OPENKOMMUNE_BIND`. Plus `OPENKOMMUNE_JOB_WORKERS` job workers, all supervised by this
process (`openkommune.core.serve`): SIGTERM/SIGINT stop all of them gracefully, a job
worker, the writer pool or nginx that died is started again.
Before starting it checks that the database answers, and stops with a clear message if not.
"""

import os
import secrets
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from openkommune.core import database, gunicorn_config, proxy, serve, worker
from openkommune.core.env import env_choice, env_int, env_list, env_str

LAYOUTS = ("split", "single")


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
        parser.add_argument(
            "--layout",
            choices=LAYOUTS,
            default=env_choice("OPENKOMMUNE_SERVE_LAYOUT", LAYOUTS, "split"),
            help="split: nginx in front of a reader and a writer pool (ADR 0016); "
            "single: one gunicorn pool",
        )

    def handle(self, *args, job_workers, secret_key_file, stop_timeout, layout, **options):
        env = dict(os.environ)
        env["OPENKOMMUNE_SECRET_KEY"] = self._secret_key(secret_key_file)
        database.check_reachable()
        connection.close()
        if not worker.uses_job_workers():
            job_workers = 0  # jobs run at once in the web process (OPENKOMMUNE_TASKS_BACKEND)
        graceful = gunicorn_config.graceful_timeout
        split = self._split() if layout == "split" else None
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        front = (
            f"nginx auf {', '.join(split.listen)} → Lese-Pool {split.reader_bind}, "
            f"Schreib-Pool {split.writer_bind} (nice +{split.writer_nice})"
            if split
            else f"gunicorn auf {', '.join(gunicorn_config.bind)}"
        )
        self.stdout.write(
            f"OpenKommune ({front}, {engine}, {job_workers} Job-Worker) – "
            "Beenden mit Strg+C / stop with Ctrl+C"
        )
        code = serve.serve(
            env=env,
            job_workers=job_workers,
            stop_timeout=stop_timeout if stop_timeout is not None else graceful + 10,
            split=split,
            job_worker_nice=env_int("OPENKOMMUNE_JOB_WORKER_NICE", 0),
        )
        sys.exit(code)

    def _split(self) -> serve.Split:
        try:
            nginx = proxy.nginx_binary(os.environ.get("OPENKOMMUNE_NGINX"))
            trusted = proxy.trusted_networks(env_list("OPENKOMMUNE_PROXY_TRUSTED", ""))
        except (proxy.ProxyUnavailable, ValueError) as error:
            raise CommandError(str(error)) from error
        return serve.Split(
            listen=gunicorn_config.bind,
            reader_bind=os.environ.get("OPENKOMMUNE_READER_BIND") or serve.free_local_address(),
            writer_bind=os.environ.get("OPENKOMMUNE_WRITER_BIND") or serve.free_local_address(),
            writer_workers=env_int("OPENKOMMUNE_WRITER_WORKERS", 4),
            writer_threads=env_int("OPENKOMMUNE_WRITER_THREADS", 1),
            writer_nice=env_int("OPENKOMMUNE_WRITER_NICE", 5),
            run_dir=Path(tempfile.mkdtemp(prefix="openkommune-proxy-")),
            nginx=nginx,
            trusted=trusted,
            max_body_size=env_str("OPENKOMMUNE_PROXY_MAX_BODY_SIZE", "100m"),
            read_timeout=gunicorn_config.timeout + 10,
        )

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
