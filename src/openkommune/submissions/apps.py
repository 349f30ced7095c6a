from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "openkommune.submissions"
    label = "submissions"

    def ready(self):
        # Registers the system checks (virus scanner) with Django's check framework, and the
        # e-mail jobs with the outbox (`core.jobs`), so services queue them by
        # name and never import `tasks`.
        from openkommune.submissions import checks, tasks  # noqa: F401
