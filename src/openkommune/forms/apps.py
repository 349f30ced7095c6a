from django.apps import AppConfig


class FormsConfig(AppConfig):
    name = "openkommune.forms"
    label = "forms"
