from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "openkommune.procurement"
    label = "procurement"

    def ready(self):
        # Registers the order e-mail's kind with the outbox (`core.outbox`) in every process
        # (web and worker).
        from openkommune.procurement import order_mail  # noqa: F401
