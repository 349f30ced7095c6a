"""State changes of online forms. Forms are cooperative data: only the system (`actor=None`:
`load_forms`, the FIM import), cooperative staff and superusers write them. Every change is
atomic and audited with `tenant=None`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.core.read_cache import Topic, data_changed
from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.engine import DefinitionError, data_json_schema, parse_definition
from openkommune.forms.fim import reimport
from openkommune.forms.fim.codelists import CodeListIndex, library_problems
from openkommune.forms.fim.importer import FimFileError, FimImportError, import_schema
from openkommune.forms.fim.reader import GenericodeList, read_genericode, read_schema
from openkommune.forms.models import (
    CodeList,
    CodeListVersion,
    FormDefinition,
    FormVersion,
    PendingFimImport,
)
from openkommune.tenancy.selectors import require_cooperative_staff
from openkommune.tenancy.services import audit_record


def _require_editor(actor) -> None:
    require_cooperative_staff(
        actor, _("Nur Beschäftigte der Genossenschaft dürfen Formulare ändern.")
    )


def _version_state(version: FormVersion) -> dict:
    return {
        "key": version.form.key,
        "number": version.number,
        "status": version.status,
        "published_at": version.published_at.isoformat() if version.published_at else None,
        "retired_at": version.retired_at.isoformat() if version.retired_at else None,
    }


@transaction.atomic
def form_version_create(
    *, actor, definition: dict, import_report=None, new_form: bool = False, fim_import_base=None
) -> FormVersion:
    """A new draft version of the form `definition["key"]` (the form is created on first
    use). Raises `engine.DefinitionError` for an invalid definition. Idempotent: when the
    newest version already has exactly this definition, that version is returned.
    `new_form` (the studio's "new form"): the key must not exist yet, and the actor is the
    draft's editor (four eyes, ADR 0024). `fim_import_base`: the definition as the FIM importer
    produced it (what a newer import of the schema is compared with)."""
    _require_editor(actor)
    parsed = parse_definition(definition)
    form = FormDefinition.objects.select_for_update().filter(key=parsed.key).first()
    if form is not None and new_form:
        raise ValidationError(
            {
                "key": _("Ein Formular mit dem Schlüssel „%(key)s“ gibt es schon.")
                % {"key": parsed.key}
            }
        )
    if form is None:
        form = FormDefinition.objects.create(
            key=parsed.key, title=parsed.title, leika_keys=list(parsed.leika_keys)
        )
        audit_record(
            tenant=None,
            actor=actor,
            action="form.create",
            obj=form,
            after={"key": form.key, "title": form.title, "leika_keys": form.leika_keys},
        )
    newest = form.versions.order_by("-number").first()
    if newest is not None and newest.definition == definition:
        return newest
    version = FormVersion.objects.create(
        form=form,
        number=newest.number + 1 if newest else 1,
        status=FormVersionStatus.DRAFT,
        definition=definition,
        import_report=list(import_report or []),
        fim_import_base=fim_import_base,
        **(_edited(actor) if new_form else {}),
    )
    _audit_version(actor, "create", version)
    return version


def _edited(actor) -> dict:
    person = actor if actor is not None and actor.is_authenticated else None
    return {"edited_by": person, "edited_at": timezone.now()}


def _require_status(version: FormVersion, status: str, message: str) -> None:
    if version.status != status:
        raise ValidationError(
            message % {"n": version.number, "status": version.get_status_display()}
        )


@transaction.atomic
def form_version_edit(*, actor, version: FormVersion, definition: dict, change: str) -> FormVersion:
    """Replace a draft's definition (the studio's every change, ADR 0024). The whole
    definition is parsed first: `engine.DefinitionError` (German messages) and nothing is
    saved. The key stays the form's. `change` says in German what changed (audit)."""
    _require_editor(actor)
    version = _locked(version)
    _require_status(
        version,
        FormVersionStatus.DRAFT,
        _("Nur ein Entwurf kann bearbeitet werden; Version %(n)d ist %(status)s."),
    )
    if definition.get("key") != version.form.key:
        raise ValidationError(_("Der Schlüssel eines Formulars lässt sich nicht ändern."))
    parse_definition(definition)
    if definition == version.definition:
        return version
    before = {**_version_state(version), "steps": len(version.definition.get("steps", []))}
    version.definition = definition
    for name, value in _edited(actor).items():
        setattr(version, name, value)
    version.save(update_fields=["definition", "edited_by", "edited_at", "updated_at"])
    audit_record(
        tenant=None,
        actor=actor,
        action="form_version.edit",
        obj=version,
        before=before,
        after={**_version_state(version), "steps": len(definition["steps"]), "change": change},
    )
    return version


@transaction.atomic
def form_version_draft_from(*, actor, version: FormVersion) -> FormVersion:
    """The draft to edit a form in: its newest version when that is a draft, else a new
    draft copied from `version` (editing a published form never changes it). A form
    with a version in review gets no second draft: the review is decided first."""
    _require_editor(actor)
    form = FormDefinition.objects.select_for_update().get(pk=version.form_id)
    newest = form.versions.order_by("-number").first()
    if newest.status == FormVersionStatus.DRAFT:
        return newest
    if newest.status == FormVersionStatus.IN_REVIEW:
        raise ValidationError(
            _(
                "Version %(n)d ist in Prüfung; erst nach der Entscheidung gibt es einen "
                "neuen Entwurf."
            )
            % {"n": newest.number}
        )
    draft = FormVersion.objects.create(
        form=form,
        number=newest.number + 1,
        status=FormVersionStatus.DRAFT,
        definition=version.definition,
        import_report=list(version.import_report or []),
        fim_import_base=version.fim_import_base,
        **_edited(actor),
    )
    _audit_version(actor, "create", draft, before={"copied_from": version.number})
    return draft


@transaction.atomic
def form_version_submit_review(*, actor, version: FormVersion) -> FormVersion:
    """Draft → in review: the draft is frozen until someone else publishes it or sends it
    back."""
    _require_editor(actor)
    version = _locked(version)
    _require_status(
        version,
        FormVersionStatus.DRAFT,
        _("Nur ein Entwurf kann zur Prüfung gegeben werden; Version %(n)d ist %(status)s."),
    )
    before = _version_state(version)
    version.status = FormVersionStatus.IN_REVIEW
    version.save(update_fields=["status", "updated_at"])
    _audit_version(actor, "submit_review", version, before=before)
    return version


@transaction.atomic
def form_version_return_to_draft(*, actor, version: FormVersion) -> FormVersion:
    """In review → draft (the reviewer sends it back for changes)."""
    _require_editor(actor)
    version = _locked(version)
    _require_status(
        version,
        FormVersionStatus.IN_REVIEW,
        _("Nur eine Version in Prüfung kann zurückgegeben werden; Version %(n)d ist %(status)s."),
    )
    before = _version_state(version)
    version.status = FormVersionStatus.DRAFT
    version.save(update_fields=["status", "updated_at"])
    _audit_version(actor, "return_to_draft", version, before=before)
    return version


def _audit_version(actor, action: str, version: FormVersion, before: dict | None = None) -> None:
    audit_record(
        tenant=None,
        actor=actor,
        action=f"form_version.{action}",
        obj=version,
        before=before,
        after=_version_state(version),
    )


def _locked(version: FormVersion) -> FormVersion:
    return FormVersion.objects.select_for_update().select_related("form").get(pk=version.pk)


@transaction.atomic
def form_version_publish(*, actor, version: FormVersion) -> FormVersion:
    """Publish a draft or a version in review: compute its data schema and make it where
    citizens start. From now on the version never changes. The form takes over its title
    and LeiKa keys. A version edited in the studio (`edited_by`) is published only from
    review and never by its last editor (four eyes, ADR 0024)."""
    _require_editor(actor)
    version = _locked(version)
    if version.status not in (FormVersionStatus.DRAFT, FormVersionStatus.IN_REVIEW):
        raise ValidationError(
            _("Nur ein Entwurf kann veröffentlicht werden; Version %(n)d ist %(status)s.")
            % {"n": version.number, "status": version.get_status_display()}
        )
    if version.edited_by_id is not None or version.edited_at is not None:
        if version.status != FormVersionStatus.IN_REVIEW:
            raise ValidationError(
                _("Version %(n)d wurde im Formular-Studio bearbeitet und muss erst geprüft werden.")
                % {"n": version.number}
            )
        if actor is not None and version.edited_by_id == actor.pk:
            raise ValidationError(
                _(
                    "Vier-Augen-Prinzip: Version %(n)d hat zuletzt die Person bearbeitet, die "
                    "sie jetzt veröffentlichen möchte. Bitte lassen Sie eine andere Person "
                    "veröffentlichen."
                )
                % {"n": version.number}
            )
    before = _version_state(version)
    parsed = parse_definition(version.definition)
    version.data_schema = data_json_schema(parsed)
    version.status = FormVersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor if actor is not None and actor.is_authenticated else None
    version.save(
        update_fields=["data_schema", "status", "published_at", "published_by", "updated_at"]
    )
    form = version.form
    if (form.title, form.leika_keys) != (parsed.title, list(parsed.leika_keys)):
        form.title = parsed.title
        form.leika_keys = list(parsed.leika_keys)
        form.save(update_fields=["title", "leika_keys", "updated_at"])
    data_changed(Topic.FORMS)  # the form of a Leistung: cached routes of the submit
    _audit_version(actor, "publish", version, before=before)
    return version


@transaction.atomic
def form_version_retire(*, actor, version: FormVersion) -> FormVersion:
    """Withdraw a published version: no new application starts on it; applications and
    drafts already pinned to it keep it."""
    _require_editor(actor)
    version = _locked(version)
    if version.status != FormVersionStatus.PUBLISHED:
        raise ValidationError(
            _(
                "Nur eine veröffentlichte Version kann zurückgezogen werden; Version %(n)d ist "
                "%(status)s."
            )
            % {"n": version.number, "status": version.get_status_display()}
        )
    before = _version_state(version)
    version.status = FormVersionStatus.RETIRED
    version.retired_at = timezone.now()
    version.save(update_fields=["status", "retired_at", "updated_at"])
    data_changed(Topic.FORMS)
    _audit_version(actor, "retire", version, before=before)
    return version


@dataclass(frozen=True)
class LoadResult:
    key: str
    number: int
    outcome: str  # "created" (and published), "published" (an equal draft), "unchanged"


@transaction.atomic
def form_definitions_load(*, actor, definitions: list[dict], dry_run: bool = False):
    """Bring the forms in line with `definitions` (already parsed without error): a file
    that differs from its form's newest version becomes a new, published version; an equal
    draft is published; an equal published or retired version stays. All or nothing."""
    _require_editor(actor)
    results = []
    for definition in definitions:
        key = definition["key"]
        newest = (
            FormVersion.objects.select_for_update()
            .filter(form__key=key)
            .order_by("-number")
            .first()
        )
        if newest is not None and newest.definition == definition:
            if newest.status == FormVersionStatus.DRAFT:
                if not dry_run:
                    form_version_publish(actor=actor, version=newest)
                results.append(LoadResult(key, newest.number, "published"))
            else:
                results.append(LoadResult(key, newest.number, "unchanged"))
            continue
        number = newest.number + 1 if newest else 1
        if not dry_run:
            version = form_version_create(actor=actor, definition=definition)
            form_version_publish(actor=actor, version=version)
            number = version.number
        results.append(LoadResult(key, number, "created"))
    return results


@transaction.atomic
def form_min_trust_level_set(*, actor, form: FormDefinition, level: int) -> FormDefinition:
    """The cooperative's default BundID level for applications with this form (0: none,
    1 to 4: STORK-QAA level); a member may set another per service."""
    _require_editor(actor)
    if level not in (0, 1, 2, 3, 4):
        raise ValidationError(_("Dieses Vertrauensniveau gibt es nicht."))
    form = FormDefinition.objects.select_for_update().get(pk=form.pk)
    before = {"min_trust_level": form.min_trust_level}
    form.min_trust_level = level
    form.save(update_fields=["min_trust_level", "updated_at"])
    data_changed(Topic.FORMS)
    audit_record(
        tenant=None, actor=actor, action="form.trust_level", obj=form,
        before=before, after={"min_trust_level": level},
    )  # fmt: skip
    return form


class FimUploadError(Exception):
    """A FIM upload cannot become a form (bad file, no LeiKa key); the message is German."""


STUDIO_MISSING_HINT = (
    "Bitte die genericode-Datei dieser Codeliste (aus XRepository) im Formular-Studio unter "
    "„Codelisten“ hochladen und das Schema danach erneut importieren, oder im Feld-Editor "
    "eine Codeliste der Bibliothek wählen."
)


def code_list_library_index() -> CodeListIndex:
    """Every version of the installation's code list library, as the FIM importer's index."""
    lists = [
        GenericodeList(
            uri=version.code_list.uri,
            version=version.version,
            version_uri=version.version_uri,
            name=version.title,
            entries=[(entry["code"], entry["label"]) for entry in version.entries],
            path=f"bibliothek:{version.public_id}",
        )
        for version in CodeListVersion.objects.select_related("code_list").order_by("created_at")
    ]
    return CodeListIndex(lists)


def _fim_import(data: bytes, leika_keys: list[str], key: str):
    try:
        return import_schema(
            data,
            key=key or None,
            leika_keys=leika_keys,
            code_lists=code_list_library_index(),
            missing_hint=STUDIO_MISSING_HINT,
        )
    except FimFileError as error:
        raise FimUploadError(error.message) from error
    except FimImportError as error:
        raise FimUploadError(
            str(error).replace("mit --leika angeben", "im Feld „LeiKa-Schlüssel“ angeben")
        ) from error


def fim_schema_id(data: bytes) -> str:
    """The FIM id (`S…`) of the Stammdatenschema in `data`; raises FimUploadError."""
    try:
        return read_schema(data).fim_id
    except FimFileError as error:
        raise FimUploadError(error.message) from error


def form_version_import_fim(
    *, actor, data: bytes, leika_keys: list[str], key: str = ""
) -> FormVersion:
    """A FIM Stammdatenschema (XDatenfelder 1.0/2.0/3.0 bytes) as draft version 1 of a new
    form edited by `actor`, with its import report (`forms.fim.importer`; rules translated
    into conditions; code lists from the library). Raises FimUploadError, ValidationError
    (key exists) or DefinitionError; nothing is stored then."""
    result = _fim_import(data, leika_keys, key)
    return form_version_create(
        actor=actor,
        definition=result.definition,
        import_report=result.report_dicts(),
        new_form=True,
        fim_import_base=result.definition,
    )


# --- code list library ---------------------------------------------------------------------


@transaction.atomic
def code_list_version_upload(*, actor, data: bytes, file_name: str = ""):
    """A genericode 1.0 file as a version of the installation's code list library
    (`CodeList` by canonical URI, `CodeListVersion` by version). Returns (version, created):
    uploading the same version with the same entries again changes nothing. Raises a German
    `ValidationError` for an unreadable or unusable file and for a version that exists with
    other entries (a version never changes); nothing is stored then."""
    _require_editor(actor)
    try:
        parsed = read_genericode(data, path=file_name or None)
    except FimFileError as error:
        raise ValidationError(error.message) from error
    problems = library_problems(parsed)
    if problems:
        raise ValidationError(problems)
    entries = [{"code": code, "label": label} for code, label in parsed.entries]
    title = (parsed.name or parsed.long_name or parsed.uri.rsplit(":", 1)[-1])[:500]
    code_list = CodeList.objects.select_for_update().filter(uri=parsed.uri).first()
    if code_list is None:
        code_list = CodeList.objects.create(uri=parsed.uri, title=title)
        audit_record(
            tenant=None, actor=actor, action="code_list.create", obj=code_list,
            after={"uri": code_list.uri, "title": code_list.title},
        )  # fmt: skip
    existing = code_list.versions.filter(version=parsed.version).first()
    if existing is not None:
        if existing.entries == entries:
            return existing, False
        raise ValidationError(
            _(
                "Version „%(version)s“ der Codeliste „%(uri)s“ gibt es schon mit anderen "
                "Einträgen. Eine Version ändert sich nicht; bitte die Datei mit einer neuen "
                "Versionsangabe hochladen."
            )
            % {"version": parsed.version, "uri": parsed.uri}
        )
    version = CodeListVersion.objects.create(
        code_list=code_list,
        version=parsed.version,
        version_uri=parsed.version_uri[:300],
        title=title,
        entries=entries,
        file_name=(file_name or "")[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        tenant=None,
        actor=actor,
        action="code_list_version.upload",
        obj=version,
        after={
            "uri": code_list.uri,
            "version": version.version,
            "entries": len(entries),
            "sha256": version.sha256,
            "file_name": version.file_name,
        },
    )
    return version, True


# --- a newer version of an imported FIM schema ----------------------------------------------


def fim_reimport_prepare(
    *, actor, form: FormDefinition, data: bytes, leika_keys: list[str]
) -> PendingFimImport:
    """Read a newer version of the FIM schema `form` was imported from, merge the studio's
    edits of its newest version into it (`forms.fim.reimport`) and keep the result for the
    user to confirm (`fim_reimport_confirm`). Raises a German ValidationError (another
    schema, not newer, no base, the merge not valid) or FimUploadError; nothing is stored."""
    _require_editor(actor)
    newest = form.versions.order_by("-number").first()
    source = newest.definition.get("source", {})
    if source.get("kind") != "fim" or not source.get("fim_id"):
        raise ValidationError(
            _("Das Formular „%(key)s“ stammt nicht aus einem FIM-Import.") % {"key": form.key}
        )
    result = _fim_import(data, leika_keys or list(newest.definition["leika_keys"]), form.key)
    new_source = result.definition["source"]
    if new_source.get("fim_id") != source["fim_id"]:
        raise ValidationError(
            _(
                "Die Datei enthält das Stammdatenschema %(new)s, das Formular stammt aus "
                "%(old)s. Ein anderes Schema bitte als neues Formular importieren."
            )
            % {"new": new_source.get("fim_id") or "?", "old": source["fim_id"]}
        )
    if not reimport.is_newer(new_source.get("fim_version", ""), source.get("fim_version", "")):
        raise ValidationError(
            _(
                "Die Datei enthält Version %(new)s von %(id)s; importiert ist schon Version "
                "%(old)s. Es lässt sich nur eine neuere Version importieren."
            )
            % {
                "new": new_source.get("fim_version") or "?",
                "id": source["fim_id"],
                "old": source.get("fim_version") or "?",
            }
        )
    base = _import_base(form)
    merged = reimport.merge(base=base, current=newest.definition, new=result.definition)
    try:
        parse_definition(merged.definition)
    except DefinitionError as error:
        raise ValidationError(
            [_("Die zusammengeführte Fassung ist kein gültiges Formular:"), *error.messages]
        ) from error
    old_rules = _rule_entries(newest.import_report)
    new_rules = _rule_entries(result.report_dicts())
    summary = {
        "based_on_hash": _definition_hash(newest.definition),
        "old_version": source.get("fim_version", ""),
        "new_version": new_source.get("fim_version", ""),
        "had_base": base is not None,
        "fim_changes": reimport.item_changes(base or newest.definition, result.definition),
        "rule_changes": reimport.rule_changes(old_rules, new_rules),
        "kept": merged.kept,
        "conflicts": merged.conflicts,
        "not_kept": merged.not_kept,
    }
    return PendingFimImport.objects.create(
        form=form,
        based_on=newest,
        definition=merged.definition,
        import_base=result.definition,
        import_report=result.report_dicts(),
        summary=summary,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )


def _definition_hash(definition: dict) -> str:
    text = json.dumps(definition, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _import_base(form: FormDefinition) -> dict | None:
    """The definition of the last FIM import, as the importer produced it."""
    version = form.versions.filter(fim_import_base__isnull=False).order_by("-number").first()
    return version.fim_import_base if version is not None else None


def _rule_entries(report: list[dict]) -> dict[str, str]:
    """FIM rule id -> "rule_applied"/"rule" from an import report."""
    return {
        entry.get("fim_id", ""): entry["kind"]
        for entry in report or []
        if entry.get("kind") in ("rule", "rule_applied") and entry.get("fim_id")
    }


@transaction.atomic
def fim_reimport_confirm(*, actor, pending: PendingFimImport) -> FormVersion:
    """The confirmed newer import as a new draft of its form (edited by `actor`, so someone
    else publishes it). Refused while the form's newest version is in review or when the
    form changed since the upload (then upload again)."""
    _require_editor(actor)
    pending = PendingFimImport.objects.select_for_update().get(pk=pending.pk)
    form = FormDefinition.objects.select_for_update().get(pk=pending.form_id)
    newest = form.versions.order_by("-number").first()
    unchanged = _definition_hash(newest.definition) == pending.summary.get("based_on_hash")
    if newest.pk != pending.based_on_id or not unchanged:
        raise ValidationError(
            _(
                "Das Formular wurde seit dem Hochladen geändert. Bitte laden Sie das Schema "
                "erneut hoch, damit der Vergleich stimmt."
            )
        )
    if newest.status == FormVersionStatus.IN_REVIEW:
        raise ValidationError(
            _(
                "Version %(n)d ist in Prüfung; erst nach der Entscheidung gibt es einen "
                "neuen Entwurf."
            )
            % {"n": newest.number}
        )
    parse_definition(pending.definition)
    fields = {
        "definition": pending.definition,
        "import_report": list(pending.import_report),
        "fim_import_base": pending.import_base,
        **_edited(actor),
    }
    if newest.status == FormVersionStatus.DRAFT:
        before = {
            **_version_state(newest),
            "fim_version": newest.definition["source"].get("fim_version"),
        }
        for name, value in fields.items():
            setattr(newest, name, value)
        newest.save(update_fields=[*fields, "updated_at"])
        version = newest
    else:
        before = {"copied_from": newest.number}
        version = FormVersion.objects.create(
            form=form, number=newest.number + 1, status=FormVersionStatus.DRAFT, **fields
        )
    audit_record(
        tenant=None,
        actor=actor,
        action="form_version.fim_reimport",
        obj=version,
        before=before,
        after={
            **_version_state(version),
            "fim_version": pending.definition["source"].get("fim_version"),
            "kept_edits": len(pending.summary.get("kept", [])),
        },
    )
    pending.delete()
    return version


@transaction.atomic
def fim_reimport_cancel(*, actor, pending: PendingFimImport) -> None:
    _require_editor(actor)
    PendingFimImport.objects.filter(pk=pending.pk).delete()


@transaction.atomic
def form_import_versions(
    *,
    actor,
    key: str,
    definitions: list[tuple[dict, list]],
    min_trust_level: int = 0,
    source: str = "",
) -> FormDefinition:
    """A form taken over from another installation (the studio's exchange file, ADR 0036):
    a new form under `key` with every version (definition, import report) in order, numbered
    1, 2, … Every version starts as a draft edited by `actor` (four eyes: someone else
    publishes, after the gate); nothing of the other installation's review or publication
    carries over. Each definition is parsed first (`engine.DefinitionError`); an existing
    key is refused. Audited: `form.import` and `form_version.import` per version."""
    _require_editor(actor)
    if not definitions:
        raise ValidationError(_("Die Datei enthält keine Version."))
    parsed = [parse_definition(definition) for definition, _report in definitions]
    if any(item.key != key for item in parsed):
        raise ValidationError(
            _("Alle Versionen müssen den Schlüssel „%(key)s“ tragen.") % {"key": key}
        )
    if FormDefinition.objects.select_for_update().filter(key=key).exists():
        raise ValidationError(
            {"key": _("Ein Formular mit dem Schlüssel „%(key)s“ gibt es schon.") % {"key": key}}
        )
    newest = parsed[-1]
    form = FormDefinition.objects.create(
        key=key,
        title=newest.title,
        leika_keys=list(newest.leika_keys),
        min_trust_level=min_trust_level if min_trust_level in (0, 1, 2, 3, 4) else 0,
    )
    audit_record(
        tenant=None,
        actor=actor,
        action="form.import",
        obj=form,
        after={
            "key": key,
            "title": form.title,
            "versions": len(definitions),
            "source": source[:300],
        },
    )
    for number, (definition, report) in enumerate(definitions, start=1):
        version = FormVersion.objects.create(
            form=form,
            number=number,
            status=FormVersionStatus.DRAFT,
            definition=definition,
            import_report=list(report or []),
            **_edited(actor),
        )
        _audit_version(actor, "import", version)
    return form
