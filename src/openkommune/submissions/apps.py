from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "openkommune.submissions"
    label = "submissions"

    def ready(self):
        # Registers the system checks (virus scanner) with Django's check framework and the
        # e-mails' kinds with the outbox (`services.notifications`), in web and job processes.
        # The app has no jobs of its own: the receipt is rendered on first download (ADR 0013).
        from openkommune.submissions import checks  # noqa: F401
        from openkommune.submissions.services import notifications  # noqa: F401
