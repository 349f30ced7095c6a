from django.apps import AppConfig


class FitConnectConfig(AppConfig):
    name = "openkommune.fitconnect"
    label = "fitconnect"
    verbose_name = "FIT-Connect"
