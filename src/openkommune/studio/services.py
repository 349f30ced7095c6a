"""The studio's state changes (ADR 0024): each builds the new definition with `editing` and
saves it through `forms.services`, which parses it and writes the audit record. Engine
errors become a `ValidationError` with the engine's German messages; nothing is saved."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.engine import DefinitionError
from openkommune.forms.models import FormDefinition, FormVersion, PendingFimImport
from openkommune.forms.selectors import fim_form_for_schema
from openkommune.forms.services import (
    FimUploadError,
    fim_reimport_confirm,
    fim_reimport_prepare,
    fim_schema_id,
    form_version_create,
    form_version_edit,
    form_version_import_fim,
    form_version_publish,
)
from openkommune.studio import codelists, editing
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
def studio_fim_import(*, actor, data: bytes, leika_keys: list[str], key: str = ""):
    """A FIM Stammdatenschema upload. A schema no form was imported from becomes draft
    version 1 of a new form edited by `actor` (`forms.services.form_version_import_fim`,
    returns the `FormVersion`); a newer version of the schema of an existing form is merged
    with the studio's edits and waits for confirmation (`fim_reimport_prepare`, returns the
    `PendingFimImport`). Errors: a German `ValidationError`, nothing stored."""
    try:
        form = fim_form_for_schema(fim_id=fim_schema_id(data))
        if form is None and key:
            form = FormDefinition.objects.filter(key=key).first()
            if (
                form is not None
                and form.versions.order_by("-number")
                .first()
                .definition.get("source", {})
                .get("kind")
                != "fim"
            ):
                form = None  # form_version_create names the taken key
        if form is not None:
            if key and key != form.key:
                raise ValidationError(
                    {
                        "key": _(
                            "Dieses Schema ist schon als Formular „%(key)s“ importiert; eine "
                            "neuere Version wird dort eingespielt. Bitte den Schlüssel leer "
                            "lassen oder „%(key)s“ angeben."
                        )
                        % {"key": form.key}
                    }
                )
            return fim_reimport_prepare(actor=actor, form=form, data=data, leika_keys=leika_keys)
        return form_version_import_fim(actor=actor, data=data, leika_keys=leika_keys, key=key)
    except FimUploadError as error:
        raise ValidationError(str(error)) from error
    except DefinitionError as error:
        raise ValidationError(error.messages) from error


def studio_fim_reimport_confirm(*, actor, pending: PendingFimImport) -> FormVersion:
    try:
        return fim_reimport_confirm(actor=actor, pending=pending)
    except DefinitionError as error:
        raise ValidationError(error.messages) from error


@transaction.atomic
def studio_field_use_code_list(
    *, actor, version: FormVersion, item_id: str, code_list_version, field_type: str, widget: str
) -> FormVersion:
    """Field `item_id` of the draft chooses from a version of the library's code lists."""
    library = code_list_version
    return studio_apply(
        actor=actor,
        version=version,
        operation=lambda definition: codelists.use_code_list(
            definition,
            item_id,
            uri=library.code_list.uri,
            version=library.version,
            title=library.title or library.code_list.title,
            entries=list(library.entries),
            field_type=field_type,
            widget=widget,
        ),
        change=_("Feld „%(id)s“ nutzt Codeliste %(uri)s Version %(version)s")
        % {"id": item_id, "uri": library.code_list.uri, "version": library.version},
    )
