from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "openkommune.tenancy"
    label = "tenancy"
