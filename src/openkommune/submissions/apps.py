from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "openkommune.submissions"
    label = "submissions"

    def ready(self):
        # Registers the system checks (virus scanner) with Django's check framework.
        from openkommune.submissions import checks  # noqa: F401
