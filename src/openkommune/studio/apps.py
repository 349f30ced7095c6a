from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "openkommune.studio"
    label = "studio"

    def ready(self):
        # Registers the gate job with `core.jobs`, so services queue it by name, and the
        # system check that the gate can run here (Chromium, Playwright, axe-core).
        from openkommune.studio import checks, tasks  # noqa: F401
