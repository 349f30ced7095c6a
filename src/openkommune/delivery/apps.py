from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "openkommune.delivery"
    label = "delivery"
