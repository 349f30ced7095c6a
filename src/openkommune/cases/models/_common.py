"""Shared managers, bases and constraints of the cases models."""

from django.db import models

from openkommune.tenancy.scoping import TenantScopedManager


class UnscopedManager(models.Manager):
    """Plain access to configuration rows whose `tenant` may be empty (cooperative
    defaults). Used only in selectors that filter `Q(tenant=…) | Q(tenant__isnull=True)`."""


class ServiceSetting(models.Model):
    """A per-service setting: `tenant` empty is the cooperative's default, a member's own
    row for the same service takes precedence. No fields of its own, so that `tenant` stays
    the first column of each table."""

    objects = TenantScopedManager()
    # Defaults (tenant NULL) only in selectors adding `Q(tenant=…) | Q(tenant__isnull=True)`.
    all_objects = UnscopedManager()

    class Meta:
        abstract = True


def default_and_member_unique(*fields: str) -> list[models.UniqueConstraint]:
    """One default row (tenant empty) and one row per member for each value of `fields`.
    Two constraints, since NULL never equals NULL in a plain unique constraint."""
    return [
        models.UniqueConstraint(
            fields=["tenant", *fields],
            condition=models.Q(tenant__isnull=False),
            name="%(class)s_member_unique",
        ),
        models.UniqueConstraint(
            fields=list(fields),
            condition=models.Q(tenant__isnull=True),
            name="%(class)s_default_unique",
        ),
    ]
