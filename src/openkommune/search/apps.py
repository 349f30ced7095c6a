from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "openkommune.search"
    label = "search"
