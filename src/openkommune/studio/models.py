"""The studio's own rows: runs of the publish gate (ADR 0036). Forms and versions are the
forms app's; a gate run belongs to exactly one version's definition (its SHA-256), so a
change after the run needs a new run before publishing."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from openkommune.core.models import PublicIdModel, person_field
from openkommune.forms.models import FormVersion
from openkommune.studio.constants import GateRunStatus


class GateRun(PublicIdModel):
    version = models.ForeignKey(
        FormVersion, on_delete=models.CASCADE, related_name="gate_runs", verbose_name=_("Version")
    )
    definition_sha256 = models.CharField(_("SHA-256 der geprüften Definition"), max_length=64)
    status = models.CharField(
        _("Stand"), max_length=10, choices=GateRunStatus.choices, default=GateRunStatus.QUEUED
    )
    requested_by = person_field(_("angestoßen von"))
    started_at = models.DateTimeField(_("begonnen am"), null=True, blank=True)
    finished_at = models.DateTimeField(_("beendet am"), null=True, blank=True)
    pages_total = models.PositiveIntegerField(_("Seiten insgesamt"), default=0)
    pages_done = models.PositiveIntegerField(_("Seiten geprüft"), default=0)
    current_page = models.CharField(_("aktuelle Seite"), max_length=500, blank=True)
    # [{"key", "title", "messages": [German]}]: the checks without a browser.
    checks = models.JSONField(_("Prüfungen"), default=list, blank=True)
    # [{"title", "violations": [{"id", "impact", "help", "description", "nodes": [..]}]}]
    pages = models.JSONField(_("Barrierefreiheit je Seite"), default=list, blank=True)
    error = models.TextField(_("Grund, warum die Prüfung nicht lief"), blank=True)

    class Meta:
        verbose_name = _("Prüflauf vor dem Veröffentlichen")
        verbose_name_plural = _("Prüfläufe vor dem Veröffentlichen")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=GateRunStatus.values), name="gate_run_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(pages_done__lte=models.F("pages_total")),
                name="gate_run_pages_done_within_total",
            ),
        ]
        indexes = [models.Index(fields=["version", "-created_at"], name="gate_run_version_newest")]

    def __str__(self) -> str:
        return f"{self.version} gate {self.get_status_display()}"

    @property
    def finished(self) -> bool:
        return self.status not in (GateRunStatus.QUEUED, GateRunStatus.RUNNING)

    @property
    def passed(self) -> bool:
        return self.status == GateRunStatus.PASSED

    @property
    def percent(self) -> int:
        return round(100 * self.pages_done / self.pages_total) if self.pages_total else 0

    @property
    def violation_count(self) -> int:
        return sum(len(page.get("violations", [])) for page in self.pages)
