import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta:
        abstract = True


class PublicIdModel(TimeStampedModel):
    """URLs carry this UUID, never the database id."""

    public_id = models.UUIDField(
        _("öffentliche ID"), default=uuid.uuid4, unique=True, editable=False
    )

    class Meta:
        abstract = True


# The outbox table (its own module, next to the engine in `core.outbox`).
from openkommune.core.outbox_models import OutboxMail, OutboxStatus  # noqa: E402

__all__ = ["OutboxMail", "OutboxStatus", "PublicIdModel", "TimeStampedModel"]
