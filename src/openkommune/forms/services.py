"""State changes of online forms. Forms are cooperative data: only the system (`actor=None`:
`load_forms`, the FIM import), cooperative staff and superusers write them. Every change is
atomic and audited with `tenant=None`."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.core.read_cache import Topic, data_changed
from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.engine import data_json_schema, parse_definition
from openkommune.forms.fim.importer import FimFileError, FimImportError, import_schema
from openkommune.forms.models import FormDefinition, FormVersion
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
    *, actor, definition: dict, import_report=None, new_form: bool = False
) -> FormVersion:
    """A new draft version of the form `definition["key"]` (the form is created on first
    use). Raises `engine.DefinitionError` for an invalid definition. Idempotent: when the
    newest version already has exactly this definition, that version is returned.
    `new_form` (the studio's "new form"): the key must not exist yet, and the actor is the
    draft's editor (four eyes, ADR 0024)."""
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


def form_version_import_fim(
    *, actor, data: bytes, leika_keys: list[str], key: str = ""
) -> FormVersion:
    """A FIM Stammdatenschema (XDatenfelder 1.0/2.0 bytes) as draft version 1 of a new form
    edited by `actor`, with its import report (`forms.fim.importer`; rules translated into
    conditions). Raises FimUploadError, ValidationError (key exists) or DefinitionError;
    nothing is stored then."""
    try:
        result = import_schema(data, key=key or None, leika_keys=leika_keys)
    except FimFileError as error:
        raise FimUploadError(error.message) from error
    except FimImportError as error:
        raise FimUploadError(
            str(error).replace("mit --leika angeben", "im Feld „LeiKa-Schlüssel“ angeben")
        ) from error
    return form_version_create(
        actor=actor,
        definition=result.definition,
        import_report=result.report_dicts(),
        new_form=True,
    )


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
