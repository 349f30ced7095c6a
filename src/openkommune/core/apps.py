from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openkommune.core"
    label = "core"
