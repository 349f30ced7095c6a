from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    """The cooperative's support desk: tickets of the members with SLAs on business hours
    (issue 20, part 2)."""

    name = "openkommune.servicedesk"
    label = "servicedesk"
