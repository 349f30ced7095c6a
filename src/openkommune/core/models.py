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


# The outbox table (its own module, next to the engine in `core.outbox`).
from openkommune.core.outbox_models import OutboxMail, OutboxStatus  # noqa: E402

# Heartbeats of the job workers and the maintenance schedule (`core.worker`).
from openkommune.core.runtime_models import ScheduledRun, WorkerHeartbeat  # noqa: E402

__all__ = [
    "OutboxMail",
    "OutboxStatus",
    "PublicIdModel",
    "ScheduledRun",
    "TimeStampedModel",
    "WorkerHeartbeat",
]
