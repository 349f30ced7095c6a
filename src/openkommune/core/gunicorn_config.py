"""gunicorn's configuration in the production profile (`openkommune serve`, ADR 0011):

    gunicorn -c python:openkommune.core.gunicorn_config

Sync-style threaded workers (`gthread`): `OPENKOMMUNE_WEB_WORKERS` processes (default 4) with
`OPENKOMMUNE_WEB_THREADS` threads each (default 2). Each worker warms itself before it takes
traffic (`core.warmup`); logs follow `OPENKOMMUNE_LOG_FORMAT` (`core.gunicorn_logging`); a
worker that exits has its Prometheus files marked dead (multiprocess mode).

`openkommune serve` names the pool in `OPENKOMMUNE_POOL` (`single`, or `reader` and `writer`
behind nginx, ADR 0016): it is in the process title and in every access line.
"""

import os

from openkommune.core.env import env_bool, env_int, env_list, env_str

wsgi_app = "openkommune.wsgi:application"
bind = env_list("OPENKOMMUNE_BIND", "127.0.0.1:8000")
workers = env_int("OPENKOMMUNE_WEB_WORKERS", 4)
threads = env_int("OPENKOMMUNE_WEB_THREADS", 2)
worker_class = "gthread"
# A request running longer than this is a hung worker: gunicorn kills and replaces it.
timeout = env_int("OPENKOMMUNE_WEB_TIMEOUT", 60)
# On SIGTERM, running requests get this long to finish.
graceful_timeout = env_int("OPENKOMMUNE_GRACEFUL_TIMEOUT", 20)
keepalive = 5
worker_connections = env_int("OPENKOMMUNE_WEB_WORKER_CONNECTIONS", 1000)
# Addresses of the reverse proxy whose X-Forwarded-* headers are believed.
forwarded_allow_ips = env_str("OPENKOMMUNE_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-"
errorlog = "-"
logger_class = "openkommune.core.gunicorn_logging.Logger"
# Plain-text access lines: no query string, no client address (the JSON lines hold the same).
POOL = env_str("OPENKOMMUNE_POOL", "single")
access_log_format = f"%(m)s %(U)s %(s)s %(M)sms id=%({{x-request-id}}o)s pool={POOL}"
proc_name = "openkommune-web" if POOL == "single" else f"openkommune-{POOL}"
# gunicorn's control socket (one fixed path per user, ~/.gunicorn/gunicorn.ctl) is not used:
# `serve` supervises by signals, and two pools would take the same path from each other.
control_socket_disable = True

WARMUP = env_bool("OPENKOMMUNE_WARMUP", default=True)
WARMUP_PATHS = env_list("OPENKOMMUNE_WARMUP_PATHS", "/,/leistungen/suche/?q=anmelden")


def post_worker_init(worker):
    if WARMUP:
        from openkommune.core.warmup import warm

        warm(worker.wsgi, WARMUP_PATHS)
    else:
        worker.log.info("Worker %s ready without warm-up", worker.pid)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
