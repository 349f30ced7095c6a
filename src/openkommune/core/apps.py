from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openkommune.core"
    label = "core"

    def ready(self):
        # Registers the outbox's job (`core.jobs`), so `core.outbox` queues it by name.
        from openkommune.core import tasks  # noqa: F401
