"""Privacy-preserving use statistics of online forms (ADR 0036, docs/forms.md "Use
statistics"). Two tables, both without any person, draft or application:

- `StepEvent`: one row per saved step of an application (form, version, step, day, seconds
  since the draft's last save, the fields that got an error message) — a buffer that the
  daily aggregation turns into counts and then deletes;
- `UsageCount`: counts per day, member, form version, step and field.

Starts and completions are counted from the existing drafts and applications; nothing is
written on the submit path."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from openkommune.formstats.constants import Metric
from openkommune.tenancy.models import tenant_field
from openkommune.tenancy.scoping import TenantScopedManager


class StepEvent(models.Model):
    # Statistics go with their member (CASCADE): they describe its use, nothing else.
    tenant = tenant_field("+", on_delete=models.CASCADE)
    day = models.DateField(_("Tag"))
    form_key = models.CharField(_("Formular"), max_length=63)
    version_number = models.PositiveIntegerField(_("Version"))
    step_id = models.CharField(_("Schritt"), max_length=63)
    seconds = models.PositiveIntegerField(_("Sekunden"))
    error_fields = models.JSONField(_("Felder mit Fehlermeldung"), default=list, blank=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Schritt-Ereignis (Puffer der Statistik)")
        verbose_name_plural = _("Schritt-Ereignisse (Puffer der Statistik)")
        indexes = [models.Index(fields=["day"], name="step_event_day")]

    def __str__(self) -> str:
        return f"{self.form_key} v{self.version_number} {self.step_id} {self.day}"


class UsageCount(models.Model):
    tenant = tenant_field("+", on_delete=models.CASCADE)
    day = models.DateField(_("Tag"))
    form_key = models.CharField(_("Formular"), max_length=63)
    version_number = models.PositiveIntegerField(_("Version"))
    metric = models.CharField(_("Kennzahl"), max_length=10, choices=Metric.choices)
    step_id = models.CharField(_("Schritt"), max_length=63, blank=True)
    field_path = models.CharField(_("Feld"), max_length=300, blank=True)
    count = models.PositiveIntegerField(_("Anzahl"))
    seconds_total = models.PositiveBigIntegerField(_("Sekunden zusammen"), default=0)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Nutzungszahl eines Formulars")
        verbose_name_plural = _("Nutzungszahlen der Formulare")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "tenant",
                    "day",
                    "form_key",
                    "version_number",
                    "metric",
                    "step_id",
                    "field_path",
                ],
                name="usage_count_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(metric__in=Metric.values), name="usage_count_metric_valid"
            ),
        ]
        indexes = [models.Index(fields=["form_key", "day"], name="usage_count_form_day")]

    def __str__(self) -> str:
        return f"{self.form_key} v{self.version_number} {self.metric} {self.day}: {self.count}"


class AggregatedDay(models.Model):
    """A day whose counts are complete: the aggregation never counts it twice."""

    day = models.DateField(_("Tag"), unique=True)
    aggregated_at = models.DateTimeField(_("gezählt am"), auto_now_add=True)

    class Meta:
        verbose_name = _("gezählter Tag")
        verbose_name_plural = _("gezählte Tage")

    def __str__(self) -> str:
        return str(self.day)
