from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "openkommune.regions"
    label = "regions"
