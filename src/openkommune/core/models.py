import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def public_id_field(*, editable: bool = True) -> models.UUIDField:
    """The UUID that URLs carry, never the database id."""
    return models.UUIDField(_("öffentliche ID"), default=uuid.uuid4, unique=True, editable=editable)


def person_field(
    verbose_name=None, *, blank: bool = True, related_name: str = "+"
) -> models.ForeignKey:
    """Who did something (created, changed, approved …). SET_NULL: deleting a person (data
    protection) must remain possible, the row stays; no reverse relation on the user unless
    `related_name` names one."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=blank,
        related_name=related_name,
        verbose_name=verbose_name,
    )


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta:
        abstract = True


class PublicIdModel(TimeStampedModel):
    """URLs carry this UUID, never the database id."""

    public_id = public_id_field(editable=False)

    class Meta:
        abstract = True


class DataVersion(models.Model):
    """The version of one kind of reference data that cached reads depend on
    (`core.read_cache`): a random token, replaced in the transaction of every change."""

    topic = models.CharField(_("Datenbereich"), max_length=40, unique=True)
    token = models.CharField(_("Version"), max_length=32)
    changed_at = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta:
        verbose_name = _("Datenstand")
        verbose_name_plural = _("Datenstände")

    def __str__(self) -> str:
        return f"{self.topic} {self.token}"


# The outbox table (its own module, next to the engine in `core.outbox`).
from openkommune.core.outbox_models import (  # noqa: E402
    OutboxMail,
    OutboxStatus,
    outbox_mails_relation,
)

# Heartbeats of the job workers and the maintenance schedule (`core.worker`).
from openkommune.core.runtime_models import ScheduledRun, WorkerHeartbeat  # noqa: E402

__all__ = [
    "DataVersion",
    "OutboxMail",
    "OutboxStatus",
    "PublicIdModel",
    "ScheduledRun",
    "TimeStampedModel",
    "WorkerHeartbeat",
    "outbox_mails_relation",
]
