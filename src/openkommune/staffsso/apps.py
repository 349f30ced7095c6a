from django.apps import AppConfig


class StaffSsoConfig(AppConfig):
    name = "openkommune.staffsso"
    label = "staffsso"
    verbose_name = "Anmeldung der Beschäftigten über die eigene Organisation"

    def ready(self):
        from openkommune.staffsso import account_sections  # noqa: F401 - registers a section
