"""The job worker of the production profile:

    openkommune job_worker [--worker-id ID] [db_worker's options]

django_tasks_db's `db_worker` (jobs claimed with `SELECT … FOR UPDATE SKIP LOCKED`, so any
number of workers on any number of machines never run a job twice) plus, in a thread, a
heartbeat row for `/readyz` and the metrics and the maintenance schedule (pruning finished
job rows, the outbox sweep; `openkommune.core.worker`), and in another thread the drainer of
the e-mail outbox (`OutboxDrainer`: batches of ready e-mails at the same `--interval`, ADR
0023). SIGTERM/SIGINT stop it after the running job and the drainer's current e-mail; its
heartbeat row is removed. While the database is away it waits and tries
again instead of exiting. `openkommune serve` starts
`OPENKOMMUNE_JOB_WORKERS` of them and restarts one that died.
"""

import logging
import os
import socket
import time

from django.db import connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from openkommune.core.unavailable import DATABASE_ERRORS
from openkommune.core.worker import Maintenance, OutboxDrainer

logger = logging.getLogger("openkommune.core.worker")
RETRY_SECONDS = 5


class Command(DbWorkerCommand):
    help = "Run a job worker: db_worker with a heartbeat and the maintenance schedule."
    # `migrate` runs the system checks; each of several workers repeating them adds noise.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        # A readable id (host and process) unless one is given; never auto-reload in production.
        parser.set_defaults(
            worker_id=f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(6)}",
            reload=False,
        )

    def handle(self, *args, **options) -> None:
        maintenance = Maintenance(options["worker_id"])
        maintenance.start()
        drainer = OutboxDrainer(options["worker_id"], interval=options["interval"])
        drainer.start()
        try:
            while True:
                try:
                    super().handle(*args, **options)
                    return
                except DATABASE_ERRORS as error:
                    # PostgreSQL restarting: wait and claim again, as the same worker.
                    logger.warning(
                        "Job worker %s: database unavailable (%s); retrying in %s s",
                        options["worker_id"],
                        type(error).__name__,
                        RETRY_SECONDS,
                    )
                    connections.close_all()
                    time.sleep(RETRY_SECONDS)
        finally:
            drainer.stop()
            maintenance.stop()
