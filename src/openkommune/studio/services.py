"""The studio's state changes (ADR 0024): each builds the new definition with `editing` and
saves it through `forms.services`, which parses it and writes the audit record. Engine
errors become a `ValidationError` with the engine's German messages; nothing is saved."""

from __future__ import annotations

import hashlib
import json
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.core import jobs
from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.engine import DefinitionError, parse_definition
from openkommune.forms.models import FormDefinition, FormVersion, PendingFimImport
from openkommune.forms.selectors import fim_form_for_schema
from openkommune.forms.services import (
    FimUploadError,
    fim_reimport_confirm,
    fim_reimport_prepare,
    fim_schema_id,
    form_import_versions,
    form_version_create,
    form_version_edit,
    form_version_import_fim,
    form_version_publish,
)
from openkommune.studio import codelists, editing, sharing
from openkommune.studio.constants import UNFINISHED, GateRunStatus
from openkommune.studio.gate import publish_gate
from openkommune.studio.models import GateRun
from openkommune.tenancy.selectors import require_cooperative_staff
from openkommune.tenancy.services import audit_record

logger = logging.getLogger(__name__)


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
    if gate_run_passed(version=version) is None:
        raise ValidationError(
            _(
                "Die Veröffentlichung ist gesperrt: Für genau diese Fassung von Version %(n)d "
                "gibt es keinen bestandenen Prüflauf mit Barrierefreiheitstest (axe). Bitte "
                "starten Sie auf der Seite der Version „Prüfung starten“ und veröffentlichen "
                "Sie, wenn sie bestanden ist."
            )
            % {"n": version.number}
        )
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


# --- the publish gate as a job (ADR 0036) ---------------------------------------------------

# The job of `studio.tasks` that runs a gate run, found by name (`core.jobs`).
GATE_JOB = "studio.run_gate"


def definition_sha256(definition: dict) -> str:
    """The fingerprint a gate run is bound to: SHA-256 of the definition's canonical JSON."""
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def gate_run_passed(*, version: FormVersion) -> GateRun | None:
    """The newest passed gate run of exactly this version's current definition, or None."""
    return (
        GateRun.objects.filter(
            version=version,
            definition_sha256=definition_sha256(version.definition),
            status=GateRunStatus.PASSED,
        )
        .order_by("-created_at")
        .first()
    )


@transaction.atomic
def gate_run_request(*, actor, version: FormVersion) -> GateRun:
    """Queue a gate run for the version as it is now (a draft or in review). A run of the
    same definition that has not finished yet is returned instead of a second one."""
    require_cooperative_staff(
        actor, _("Nur Beschäftigte der Genossenschaft dürfen Formulare prüfen lassen.")
    )
    version = FormVersion.objects.select_for_update().select_related("form").get(pk=version.pk)
    if version.status not in (FormVersionStatus.DRAFT, FormVersionStatus.IN_REVIEW):
        raise ValidationError(
            _("Geprüft werden nur Entwürfe und Versionen in Prüfung; Version %(n)d ist %(s)s.")
            % {"n": version.number, "s": version.get_status_display()}
        )
    digest = definition_sha256(version.definition)
    running = GateRun.objects.filter(
        version=version, definition_sha256=digest, status__in=UNFINISHED
    ).first()
    if running is not None:
        return running
    run = GateRun.objects.create(version=version, definition_sha256=digest, requested_by=actor)
    audit_record(
        tenant=None,
        actor=actor,
        action="studio.gate_run_requested",
        obj=run,
        after={"form": version.form.key, "version": version.number, "sha256": digest},
    )
    jobs.enqueue_on_commit(GATE_JOB, run_public_id=str(run.public_id))
    return run


def _finish(run: GateRun, status: str, **fields) -> GateRun:
    with transaction.atomic():
        run = GateRun.objects.select_for_update().get(pk=run.pk)
        run.status = status
        run.finished_at = timezone.now()
        for name, value in fields.items():
            setattr(run, name, value)
        run.save()
        audit_record(
            tenant=None,
            actor=None,
            action="studio.gate_run_finished",
            obj=run,
            after={
                "status": status,
                "sha256": run.definition_sha256,
                "pages": run.pages_total,
                "violations": run.violation_count,
                "error": run.error,
            },
        )
    return run


def gate_run_execute(*, run_public_id: str, runner=None) -> GateRun:
    """Run a queued gate run (the job): the checks without a browser, then axe-core in
    Chromium on every page of the preview, with progress on the run. Idempotent: a finished
    run is returned as it is. `runner(pages, on_page=…)` replaces `axe.run_axe` in tests."""
    from openkommune.studio import axe
    from openkommune.studio.preview_pages import rendered_preview_pages

    runner = runner or axe.run_axe
    run = GateRun.objects.select_related("version__form").get(public_id=run_public_id)
    if run.finished:
        return run
    version = run.version
    if definition_sha256(version.definition) != run.definition_sha256:
        return _finish(
            run,
            GateRunStatus.ERROR,
            error=_(
                "Die Version wurde geändert, nachdem die Prüfung angestoßen war; bitte "
                "starten Sie die Prüfung neu."
            ),
        )
    GateRun.objects.filter(pk=run.pk).update(
        status=GateRunStatus.RUNNING, started_at=timezone.now()
    )
    gate = publish_gate(version.definition)
    checks = [
        {"key": c.key, "title": str(c.title), "messages": list(c.messages)} for c in gate.checks
    ]
    try:
        definition = parse_definition(version.definition)
    except DefinitionError:
        # The checks name the problems; without a valid definition there is no preview.
        return _finish(run, GateRunStatus.FAILED, checks=checks)
    try:
        rendered = rendered_preview_pages(version, definition)
        pages = [axe.PageToCheck(page.title, page.path, page.html) for page in rendered]
        GateRun.objects.filter(pk=run.pk).update(pages_total=len(pages), pages_done=0)

        def progress(index: int, page) -> None:
            GateRun.objects.filter(pk=run.pk).update(pages_done=index, current_page=page.title)

        results = runner(pages, on_page=progress)
    except axe.AxeUnavailable as error:
        return _finish(run, GateRunStatus.ERROR, checks=checks, error=str(error))
    except Exception:
        logger.exception("Gate run %s failed", run.public_id)
        return _finish(
            run,
            GateRunStatus.ERROR,
            checks=checks,
            error=_(
                "Die Prüfung ist mit einem unerwarteten Fehler abgebrochen; bitte versuchen "
                "Sie es erneut oder wenden Sie sich an den Betrieb."
            ),
        )
    clean = gate.passed and not any(page["violations"] for page in results)
    return _finish(
        run,
        GateRunStatus.PASSED if clean else GateRunStatus.FAILED,
        checks=checks,
        pages=results,
        pages_total=len(results),
        pages_done=len(results),
        current_page="",
    )


# --- sharing forms between installations (ADR 0036) ---------------------------------------


def studio_form_export(*, actor, form: FormDefinition) -> tuple[str, bytes]:
    """(file name, ZIP) of the form with all its versions (`studio.sharing`, format 1) and
    the library files of the code lists it references where a library is registered.
    Audited (`form.export`): who took the form out of the installation."""
    require_cooperative_staff(
        actor, _("Nur Beschäftigte der Genossenschaft dürfen Formulare exportieren.")
    )
    versions = list(form.versions.order_by("number"))
    exchange = sharing.FormExchange(
        key=form.key,
        title=form.title,
        leika_keys=list(form.leika_keys),
        min_trust_level=form.min_trust_level,
        versions=[
            sharing.ExportedVersion(
                number=v.number,
                status=v.status,
                definition=v.definition,
                import_report=list(v.import_report or []),
                published_at=v.published_at.isoformat() if v.published_at else None,
            )
            for v in versions
        ],
        codelists=sharing.referenced_codelists([v.definition for v in versions]),
        source=settings.SITE_URL,
    )
    data = sharing.pack(exchange)
    with transaction.atomic():
        audit_record(
            tenant=None,
            actor=actor,
            action="form.export",
            obj=form,
            after={"key": form.key, "versions": len(versions), "sha256": sharing.sha256(data)},
        )
    return f"{form.key}.openkommune-formular.zip", data


@transaction.atomic
def studio_form_import(*, actor, data: bytes, key: str = "") -> FormDefinition:
    """Take over a form from another installation's exchange file: a new form (new ids,
    under `key` or the file's key) with every version as a draft edited by `actor`
    (`forms.services.form_import_versions`). Any problem: a German ValidationError, nothing
    stored."""
    require_cooperative_staff(
        actor, _("Nur Beschäftigte der Genossenschaft dürfen Formulare importieren.")
    )
    try:
        exchange = sharing.unpack(data)
    except sharing.ExchangeError as error:
        raise ValidationError(error.messages) from error
    target = key or exchange.key
    definitions = [
        (sharing.with_key(v.definition, target), v.import_report) for v in exchange.versions
    ]
    try:
        form = form_import_versions(
            actor=actor,
            key=target,
            definitions=definitions,
            min_trust_level=exchange.min_trust_level,
            source=exchange.source,
        )
    except DefinitionError as error:
        raise ValidationError(error.messages) from error
    if exchange.codelists:
        sharing.import_codelists(exchange.codelists, actor=actor)
    return form
