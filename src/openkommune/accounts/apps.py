from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "openkommune.accounts"
    label = "accounts"
