from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "openkommune.submissions"
    label = "submissions"

    def ready(self):
        # Registers the system checks (virus scanner) with Django's check framework, the
        # jobs (`core.jobs`), and through `tasks` the e-mails' kinds with the outbox.
        from openkommune.core.health import register_readiness_check
        from openkommune.core.metrics import register_gauge
        from openkommune.submissions import checks, selectors, tasks, virus_scan  # noqa: F401

        register_gauge(
            "openkommune_submissions_last_hour",
            "Applications submitted in the last 60 minutes, all authorities.",
            selectors.submissions_in_last_hour,
        )
        # The virus scanner's readiness (helper "clamav" adds the function).
        scanner_problem = getattr(virus_scan, "readiness_problem", None)
        if scanner_problem is not None:
            register_readiness_check("virus_scanner", scanner_problem)
