from django.apps import AppConfig


class DigitalpaktConfig(AppConfig):
    name = "openkommune.digitalpakt"
    label = "digitalpakt"
