from django.apps import AppConfig


class TwoFactorConfig(AppConfig):
    name = "openkommune.twofactor"
    label = "twofactor"
    verbose_name = "Zweiter Faktor"
