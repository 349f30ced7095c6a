from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "openkommune.api"
    label = "api"
