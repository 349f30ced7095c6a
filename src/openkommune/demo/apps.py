from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "openkommune.demo"
    label = "demo"
