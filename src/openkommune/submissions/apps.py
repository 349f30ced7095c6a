from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "openkommune.submissions"
    label = "submissions"
