from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "openkommune.procurement"
    label = "procurement"
