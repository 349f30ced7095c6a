from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "openkommune.catalog"
    label = "catalog"
