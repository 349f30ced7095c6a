from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "openkommune.studio"
    label = "studio"
