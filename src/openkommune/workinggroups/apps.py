from django.apps import AppConfig


class WorkinggroupsConfig(AppConfig):
    """Working groups (Arbeitskreise) of the cooperative: participants from many members,
    meetings with invitation, agenda, attendance and minutes, files, decisions with votes,
    calendar feeds (issue 20, part 3)."""

    name = "openkommune.workinggroups"
    label = "workinggroups"

    def ready(self) -> None:
        # Registers the e-mail kind of the invitation with the outbox.
        from openkommune.workinggroups import invitations  # noqa: F401
