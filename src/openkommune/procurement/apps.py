from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "openkommune.procurement"
    label = "procurement"

    def ready(self):
        # Registers the e-mail job with the outbox (`core.jobs`), so services
        # queue it by name and never import `tasks`.
        from openkommune.procurement import tasks  # noqa: F401
