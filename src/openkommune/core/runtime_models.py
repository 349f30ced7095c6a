"""Tables of the running installation itself: job worker heartbeats and the schedule of
maintenance work (`core.worker`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One row per running job worker, written every few seconds; `/readyz` and the metrics
    read the newest. A worker deletes its row when it stops; rows of workers that died are
    removed by the maintenance schedule."""

    worker_id = models.CharField(_("Worker-ID"), max_length=64, primary_key=True)
    hostname = models.CharField(_("Rechner"), max_length=255)
    pid = models.PositiveIntegerField(_("Prozess-ID"))
    started_at = models.DateTimeField(_("gestartet am"))
    beat_at = models.DateTimeField(_("letztes Lebenszeichen"), db_index=True)

    class Meta:
        verbose_name = _("Lebenszeichen eines Job-Workers")
        verbose_name_plural = _("Lebenszeichen der Job-Worker")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class ScheduledRun(models.Model):
    """When a maintenance task of the schedule last started. A worker claims a run with one
    conditional UPDATE (`last_started_at` older than the period), so across all workers and
    machines each task starts once per period."""

    name = models.CharField(_("Aufgabe"), max_length=100, primary_key=True)
    last_started_at = models.DateTimeField(_("zuletzt gestartet am"))
    last_worker_id = models.CharField(_("von Worker"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("Wartungsaufgabe")
        verbose_name_plural = _("Wartungsaufgaben")

    def __str__(self) -> str:
        return self.name
