from django.apps import AppConfig


class BundlingConfig(AppConfig):
    name = "openkommune.bundling"
    label = "bundling"

    def ready(self):
        # Registers the jobs with `core.jobs`, so services queue them by name and never
        # import `tasks`.
        from openkommune.bundling import tasks  # noqa: F401
