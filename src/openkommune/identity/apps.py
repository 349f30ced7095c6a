from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "openkommune.identity"
    label = "identity"
    verbose_name = "BundID-Anmeldung"
