"""The `--tenant <public id>` option shared by the audit commands."""

from __future__ import annotations

import uuid

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openkommune.tenancy.models import Organisation

HELP = gettext_lazy("Nur die Organisation mit dieser öffentlichen ID.")


def organisation_named(value) -> Organisation:
    """The organisation with public id `value`; exit code 2 with a German message otherwise."""
    try:
        found = Organisation.objects.filter(public_id=uuid.UUID(str(value))).first()
    except ValueError:
        found = None
    if found is None:
        raise CommandError(
            _("Keine Organisation mit der ID „%(id)s“.") % {"id": value}, returncode=2
        )
    return found
