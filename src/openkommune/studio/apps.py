from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "openkommune.studio"
    label = "studio"

    def ready(self):
        # Registers the gate job with `core.jobs`, so services queue it by name.
        from openkommune.studio import tasks  # noqa: F401
