from django.apps import AppConfig


class BundlingConfig(AppConfig):
    name = "openkommune.bundling"
    label = "bundling"

    def ready(self):
        # Registers the jobs with `core.jobs`, so services queue them by name and never
        # import `tasks`.
        import datetime

        from openkommune.bundling import notifications, tasks  # noqa: F401
        from openkommune.core.worker import register_periodic

        # Reminders of rounds closing within three days (idempotent).
        register_periodic(
            "bundling.notices", datetime.timedelta(hours=6), notifications.notices_due
        )
