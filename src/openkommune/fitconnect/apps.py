import datetime

from django.apps import AppConfig


class FitConnectConfig(AppConfig):
    name = "openkommune.fitconnect"
    label = "fitconnect"
    verbose_name = "FIT-Connect"

    def ready(self):
        from openkommune.cases.services.panels import register_case_panel
        from openkommune.core.worker import register_periodic
        from openkommune.fitconnect import (
            panels,
            tasks,  # noqa: F401  (declares the jobs)
        )
        from openkommune.fitconnect.health import daily_check
        from openkommune.fitconnect.intake import deliver_submitted
        from openkommune.fitconnect.services import prune_expired_tokens
        from openkommune.submissions.services.hooks import (
            register_receipt_panel,
            register_status_panel,
            register_submitted,
        )

        register_periodic("fitconnect.routing_health", datetime.timedelta(days=1), daily_check)
        register_periodic(
            "fitconnect.prune_expired_tokens", datetime.timedelta(hours=1), prune_expired_tokens
        )
        # Before the back office's hook: the case opens on the sealed application.
        register_submitted(deliver_submitted, first=True)
        register_status_panel(panels.status_panel)
        register_receipt_panel(panels.receipt_panel)
        register_case_panel(panels.case_panel)
