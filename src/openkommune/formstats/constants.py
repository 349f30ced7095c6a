from django.db import models
from django.utils.translation import gettext_lazy as _

# Counts below this are never shown (as in the case statistics).
SMALL_COUNT_LIMIT = 5
# A step that took longer than this (a pause, the tab left open overnight) counts as this long.
STEP_SECONDS_CAP = 60 * 60
# Days the aggregation catches up when the job did not run.
CATCH_UP_DAYS = 31


class Metric(models.TextChoices):
    START = "start", _("begonnen")
    COMPLETE = "complete", _("abgeschickt")
    STEP = "step", _("Schritt gespeichert")
    ERROR = "error", _("Fehlermeldung")
