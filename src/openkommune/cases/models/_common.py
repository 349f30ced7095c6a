"""Shared field factories of the cases models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


def tenant_field(related_name: str, *, null: bool = False) -> models.ForeignKey:
    # PROTECT: organisations are deactivated, never deleted; their files stay.
    return models.ForeignKey(
        "tenancy.Organisation",
        on_delete=models.PROTECT,
        null=null,
        blank=null,
        related_name=related_name,
        verbose_name=_("Organisation"),
    )


class UnscopedManager(models.Manager):
    """Plain access to configuration rows whose `tenant` may be empty (cooperative
    defaults). Used only in selectors that filter `Q(tenant=…) | Q(tenant__isnull=True)`."""
