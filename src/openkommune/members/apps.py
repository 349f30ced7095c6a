from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "openkommune.members"
    label = "members"
