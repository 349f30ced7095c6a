from django.apps import AppConfig


class BundlingConfig(AppConfig):
    name = "openkommune.bundling"
    label = "bundling"
