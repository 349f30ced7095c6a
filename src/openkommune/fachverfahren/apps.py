from django.apps import AppConfig


class FachverfahrenConfig(AppConfig):
    """The Fachverfahren the cooperative hosts or supports, the members' subscriptions and
    what each member pays for them (issue 20, part 1)."""

    name = "openkommune.fachverfahren"
    label = "fachverfahren"
