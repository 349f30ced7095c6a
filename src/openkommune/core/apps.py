from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openkommune.core"
    label = "core"

    def ready(self):
        # Registers the outbox's job (`core.jobs`), so `core.outbox` queues it by name.
        from openkommune.core import health, metrics, tasks, worker  # noqa: F401

        # /readyz checks, /metrics gauges and the job workers' maintenance schedule.
        health.register_core_checks()
        metrics.register_core_gauges()
        worker.register_core_schedule()
