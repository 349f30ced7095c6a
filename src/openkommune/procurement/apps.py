from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "openkommune.procurement"
    label = "procurement"

    def ready(self):
        # Registers the order e-mail's kind with the outbox (`core.outbox`) in every process
        # (web and worker).
        import datetime

        from openkommune.core.worker import register_periodic
        from openkommune.procurement import notifications, order_mail  # noqa: F401

        # Contracts ending in 90 / 30 days and at 80 % of their volume (idempotent).
        register_periodic(
            "procurement.notices", datetime.timedelta(hours=6), notifications.notices_due
        )
