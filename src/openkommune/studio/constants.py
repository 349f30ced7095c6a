from django.db import models
from django.utils.translation import gettext_lazy as _


class GateRunStatus(models.TextChoices):
    QUEUED = "queued", _("wartet")
    RUNNING = "running", _("läuft")
    PASSED = "passed", _("bestanden")
    FAILED = "failed", _("nicht bestanden")
    # The run could not check (no Chromium, no axe-core, the browser crashed): never a pass.
    ERROR = "error", _("nicht durchführbar")


UNFINISHED = (GateRunStatus.QUEUED, GateRunStatus.RUNNING)
