"""The studio's state changes (ADR 0024): each builds the new definition with `editing` and
saves it through `forms.services`, which parses it and writes the audit record. Engine
errors become a `ValidationError` with the engine's German messages; nothing is saved."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.engine import DefinitionError
from openkommune.forms.models import FormVersion
from openkommune.forms.services import (
    FimUploadError,
    form_version_create,
    form_version_edit,
    form_version_import_fim,
    form_version_publish,
)
from openkommune.studio import editing
from openkommune.studio.gate import publish_gate


def first_field(label: str, field_type: str, definition: dict, wanted_id: str = "") -> dict:
    item_id = wanted_id or editing.unique_id(definition, editing.slug(label))
    return {"kind": "field", "id": item_id, "type": field_type, "label": label}


def studio_form_create(
    *,
    actor,
    key: str,
    title: str,
    leika_keys: list[str],
    step_title: str,
    first_label: str,
    first_type: str,
) -> FormVersion:
    """A new form with one step and one field, as draft version 1 edited by `actor`."""
    step_id = editing.slug(step_title, fallback="schritt")
    field = first_field(first_label, first_type, {"steps": [{"id": step_id, "items": []}]})
    definition = {
        "format": 1,
        "key": key,
        "title": title,
        "leika_keys": leika_keys,
        "source": {"kind": "manual"},
        "steps": [{"id": step_id, "title": step_title, "items": [field]}],
    }
    try:
        return form_version_create(actor=actor, definition=definition, new_form=True)
    except DefinitionError as error:
        raise ValidationError(error.messages) from error


def studio_edit(*, actor, version: FormVersion, definition: dict, change: str) -> FormVersion:
    """Save the draft's new definition (see module doc)."""
    try:
        return form_version_edit(actor=actor, version=version, definition=definition, change=change)
    except DefinitionError as error:
        raise ValidationError(error.messages) from error


def studio_apply(*, actor, version: FormVersion, operation, change: str) -> FormVersion:
    """Run an `editing` operation on the draft's definition and save the result."""
    try:
        definition = operation(version.definition)
    except editing.EditError as error:
        raise ValidationError(str(error)) from error
    return studio_edit(actor=actor, version=version, definition=definition, change=change)


@transaction.atomic
def studio_publish(*, actor, version: FormVersion) -> FormVersion:
    """Publish a version in review after the publish gate (four eyes: `form_version_publish`)."""
    version = FormVersion.objects.select_related("form").get(pk=version.pk)
    gate = publish_gate(version.definition)
    if not gate.passed:
        raise ValidationError(
            [
                _("Die Veröffentlichung ist gesperrt, weil Prüfungen nicht bestanden sind:"),
                *gate.messages,
            ]
        )
    if version.status != FormVersionStatus.IN_REVIEW:
        raise ValidationError(_("Nur eine Version in Prüfung kann hier veröffentlicht werden."))
    return form_version_publish(actor=actor, version=version)


@transaction.atomic
def studio_fim_import(*, actor, data: bytes, leika_keys: list[str], key: str = "") -> FormVersion:
    """A FIM Stammdatenschema as draft version 1 of a new form edited by `actor`
    (`forms.services.form_version_import_fim`). Errors: a German `ValidationError`, nothing
    stored."""
    try:
        return form_version_import_fim(actor=actor, data=data, leika_keys=leika_keys, key=key)
    except FimUploadError as error:
        raise ValidationError(str(error)) from error
    except DefinitionError as error:
        raise ValidationError(error.messages) from error
