from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "openkommune.reports"
    label = "reports"
