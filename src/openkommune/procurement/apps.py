from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "openkommune.procurement"
    label = "procurement"

    def ready(self):
        # Registers the order e-mail's kind with the outbox (`core.outbox`) in every process
        # (web and worker), and the job that jobs queued before it still name.
        from openkommune.procurement import order_mail, tasks  # noqa: F401
