from django.apps import AppConfig


class FormstatsConfig(AppConfig):
    name = "openkommune.formstats"
    label = "formstats"

    def ready(self):
        import datetime

        from openkommune.core.worker import register_periodic
        from openkommune.formstats import services
        from openkommune.submissions.services.hooks import register_step_saved

        # Time per step and validation errors of each saved step (no personal data).
        register_step_saved(services.step_saved)
        # Counts per day (ADR 0036): yesterday's once, catching up missed days.
        register_periodic(
            "formstats.aggregate_daily", datetime.timedelta(hours=1), services.usage_aggregate
        )
