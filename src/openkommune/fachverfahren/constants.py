from django.db import models
from django.utils.translation import gettext_lazy as _


class OperatingMode(models.TextChoices):
    HOSTED = "hosted", _("Betrieb im Rechenzentrum der Genossenschaft")
    SAAS = "saas", _("Software als Dienst des Herstellers, Betreuung durch die Genossenschaft")
    ON_PREMISE = (
        "on_premise",
        _("Betrieb beim Mitglied, Anwendungsbetreuung durch die Genossenschaft"),
    )


PAGE_SIZE = 25
