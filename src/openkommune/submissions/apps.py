from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "openkommune.submissions"
    label = "submissions"

    def ready(self):
        # Registers the system checks (virus scanner) with Django's check framework, the
        # jobs (`core.jobs`), and through `tasks` the e-mails' kinds with the outbox.
        from openkommune.submissions import checks, tasks  # noqa: F401
