from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    """The cooperative's support desk: tickets of the members with SLAs on business hours
    (issue 20, part 2)."""

    name = "openkommune.servicedesk"
    label = "servicedesk"

    def ready(self):
        # Registers the support desk's e-mail kinds with the outbox in every process (web and
        # worker), and the escalation check with the job workers' schedule.
        import datetime

        from openkommune.core.worker import register_periodic
        from openkommune.servicedesk import escalation, notifications  # noqa: F401

        register_periodic(
            "servicedesk.escalations",
            datetime.timedelta(minutes=5),
            escalation.escalations_due,
        )
