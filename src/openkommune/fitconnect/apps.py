import datetime

from django.apps import AppConfig


class FitConnectConfig(AppConfig):
    name = "openkommune.fitconnect"
    label = "fitconnect"
    verbose_name = "FIT-Connect"

    def ready(self):
        from openkommune.core.worker import register_periodic
        from openkommune.fitconnect import tasks  # noqa: F401  (declares the jobs)
        from openkommune.fitconnect.health import daily_check
        from openkommune.fitconnect.services import prune_expired_tokens

        register_periodic("fitconnect.routing_health", datetime.timedelta(days=1), daily_check)
        register_periodic(
            "fitconnect.prune_expired_tokens", datetime.timedelta(hours=1), prune_expired_tokens
        )
