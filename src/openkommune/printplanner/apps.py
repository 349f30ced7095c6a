from django.apps import AppConfig


class PrintplannerConfig(AppConfig):
    """The print-and-copy concept planner: a member's device inventory, its current cost per
    page and a consolidation scenario with a five-year TCO and a report (issue 20, part 4)."""

    name = "openkommune.printplanner"
    label = "printplanner"
