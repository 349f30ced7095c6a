from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "openkommune.submissions"
    label = "submissions"

    def ready(self):
        # Registers the system checks (virus scanner) with Django's check framework, the
        # e-mails' kinds with the outbox (`services.notifications`), the submissions gauge of
        # the metrics and the virus scanner's readiness (`/readyz`), in web and job processes.
        # The app has no jobs of its own: the receipt is rendered on first download (ADR 0013).
        from openkommune.core.health import register_readiness_check
        from openkommune.core.metrics import register_gauge
        from openkommune.submissions import checks, selectors, virus_scan  # noqa: F401
        from openkommune.submissions.services import notifications  # noqa: F401

        register_gauge(
            "openkommune_submissions_last_hour",
            "Applications submitted in the last 60 minutes, all authorities.",
            selectors.submissions_in_last_hour,
        )
        register_readiness_check("virus_scanner", virus_scan.readiness_problem)

        # Daily in a job worker (`core.worker`): drafts nobody can or will continue go.
        import datetime

        from openkommune.core.worker import register_periodic
        from openkommune.submissions.services import drafts_delete_expired

        register_periodic(
            "submissions.delete_expired_drafts", datetime.timedelta(days=1), drafts_delete_expired
        )
