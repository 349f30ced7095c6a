"""Reads of online forms (cooperative data, not tenant-scoped)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery

from openkommune.catalog.models import LeikaAssignment, OzgLeistung
from openkommune.core.read_cache import Topic, cached_read
from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.engine import Definition, parse_definition
from openkommune.forms.fim.importer import FimImportResult, rules_summary
from openkommune.forms.models import (
    CodeList,
    CodeListVersion,
    FormDefinition,
    FormVersion,
    PendingFimImport,
)


def form_version_get(*, key: str, number: int, published_only: bool = False) -> FormVersion:
    """Version `number` of the form `key`. Raises `FormVersion.DoesNotExist`; with
    `published_only` also for drafts and versions in review (retired versions stay
    readable: applications point at them)."""
    versions = FormVersion.objects.select_related("form").filter(form__key=key, number=number)
    if published_only:
        versions = versions.filter(
            status__in=[FormVersionStatus.PUBLISHED, FormVersionStatus.RETIRED]
        )
    return versions.get()


def form_version_get_published_cached(*, key: str, number: int) -> FormVersion:
    """`form_version_get(published_only=True)` from the read cache (ADR 0014), kept in the
    process too: a version that is not a draft never changes but by `form_version_publish`
    and `form_version_retire`, which give `Topic.FORMS` a new version. What the API's submit
    reads first; nobody may change the instance returned. `FormVersion.DoesNotExist` is not
    kept."""
    return cached_read(
        "form_version_published",
        (key, number),
        topics=(Topic.FORMS,),
        compute=lambda: form_version_get(key=key, number=number, published_only=True),
        in_process=True,
    )


def form_current_version(*, key: str) -> FormVersion | None:
    """The newest published version of the form `key`: where citizens start."""
    return (
        FormVersion.objects.select_related("form")
        .filter(form__key=key, status=FormVersionStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )


def form_version_newest(*, key: str) -> FormVersion | None:
    """The newest version of any status (what an import compares with)."""
    return (
        FormVersion.objects.select_related("form").filter(form__key=key).order_by("-number").first()
    )


def form_for_leistung(*, ozg_leistung: OzgLeistung) -> FormVersion | None:
    """The form citizens use for this OZG-Leistung: the newest published version whose
    LeiKa keys include one of the Leistung's current LeiKa keys. Among several forms, the
    one published most recently wins (one form per Leistung is the normal case)."""
    newest = _newest_for_leistung(ozg_leistung)
    if newest is None:
        return None
    return FormVersion.objects.select_related("form").get(pk=newest[1])


def form_id_for_leistung(*, ozg_leistung: OzgLeistung) -> int | None:
    """The id of the form (`FormDefinition`) of `form_for_leistung`, without loading the
    version: what the start and the submit compare with the version in hand."""
    newest = _newest_for_leistung(ozg_leistung)
    return None if newest is None else newest[2]


def _newest_for_leistung(ozg_leistung: OzgLeistung) -> tuple | None:
    """(published at, version id, form id) of the form version of `form_for_leistung`."""
    keys = set(
        LeikaAssignment.objects.filter(ozg_leistung=ozg_leistung, is_current=True)
        .exclude(leika_key="")
        .values_list("leika_key", flat=True)
    )
    if not keys:
        return None
    # JSON containment differs between SQLite and PostgreSQL; the form list is short, so
    # the intersection is taken in Python, over the keys only: whole definitions are large,
    # and decoding all of them on every start and submit was a tenth of a submission's time.
    rows = _current_versions().values_list(
        "published_at", "pk", "form_id", "definition__leika_keys"
    )
    matching = [(at, pk, form) for at, pk, form, leika in rows if keys.intersection(leika or ())]
    return max(matching) if matching else None


def _current_versions() -> QuerySet[FormVersion]:
    newest = (
        FormVersion.objects.filter(form=OuterRef("form"), status=FormVersionStatus.PUBLISHED)
        .order_by("-number")
        .values("number")[:1]
    )
    return (
        FormVersion.objects.select_related("form")
        .filter(status=FormVersionStatus.PUBLISHED, number=Subquery(newest))
        .order_by("form__key")
    )


def form_list(*, published_only: bool = True) -> QuerySet[FormDefinition]:
    """Forms by key, annotated with `current_number` (newest published version, or None)
    and `newest_number` (newest of any status)."""
    forms = FormDefinition.objects.annotate(
        current_number=Max(
            "versions__number", filter=Q(versions__status=FormVersionStatus.PUBLISHED)
        ),
        newest_number=Max("versions__number"),
    ).order_by("key")
    if published_only:
        forms = forms.filter(current_number__isnull=False)
    return forms


_PARSED: dict[tuple, Definition] = {}
_PARSED_LIMIT = 256


def version_definition(version: FormVersion) -> Definition:
    """The parsed definition of a stored version. Cached per version and change time: only
    a draft's definition changes (`form_version_edit`, the studio), and every change moves
    `updated_at`."""
    if version.pk is None:
        return parse_definition(version.definition)
    key = (version.pk, version.updated_at)
    parsed = _PARSED.get(key)
    if parsed is None:
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.clear()
        parsed = _PARSED[key] = parse_definition(version.definition)
    return parsed


def form_version_import_counts(version: FormVersion) -> dict[str, int]:
    """Counts of the version's structure and import report entries by kind, plus
    `"rules_summary"`: "N Regeln übernommen, M Regeln nicht übernommen"."""
    counts = FimImportResult(definition=version.definition, report=[], schema=None).counts()
    for entry in version.import_report or []:
        counts[entry["kind"]] = counts.get(entry["kind"], 0) + 1
    counts["rules_summary"] = rules_summary(counts)
    return counts


# --- code list library -----------------------------------------------------------------------


def code_list_list() -> QuerySet[CodeList]:
    """The library's code lists with the number of versions and the newest upload time."""
    return CodeList.objects.annotate(
        version_count=Count("versions"), newest_upload=Max("versions__created_at")
    ).order_by("title", "uri")


def code_list_get(*, public_id) -> CodeList:
    """Raises CodeList.DoesNotExist (also for a malformed id)."""
    try:
        return CodeList.objects.get(public_id=public_id)
    except (ValueError, ValidationError):
        raise CodeList.DoesNotExist from None


def code_list_versions(*, code_list: CodeList) -> QuerySet[CodeListVersion]:
    return code_list.versions.select_related("uploaded_by").order_by("-created_at")


def code_list_version_get(*, public_id) -> CodeListVersion:
    """Raises CodeListVersion.DoesNotExist (also for a malformed id)."""
    try:
        return CodeListVersion.objects.select_related("code_list", "uploaded_by").get(
            public_id=public_id
        )
    except (ValueError, ValidationError):
        raise CodeListVersion.DoesNotExist from None


def code_list_version_choices() -> list[CodeListVersion]:
    """Every version of the library, by list and newest first (the field editor's choice)."""
    return list(
        CodeListVersion.objects.select_related("code_list").order_by(
            "code_list__title", "code_list__uri", "-created_at"
        )
    )


def forms_using_code_list(*, code_list: CodeList) -> list[tuple[str, int, str]]:
    """(form key, version number, code list version) of every form version whose definition
    uses the list's URI."""
    found = []
    for version in FormVersion.objects.select_related("form").order_by("form__key", "number"):
        for entry in (version.definition.get("code_lists") or {}).values():
            if entry.get("uri") == code_list.uri:
                found.append((version.form.key, version.number, entry.get("version", "")))
                break
    return found


def pending_fim_import_get(*, public_id) -> PendingFimImport:
    try:
        return PendingFimImport.objects.select_related("form", "based_on").get(public_id=public_id)
    except (ValueError, ValidationError):
        raise PendingFimImport.DoesNotExist from None


def fim_form_for_schema(*, fim_id: str) -> FormDefinition | None:
    """The form whose newest version was imported from the FIM schema `fim_id`."""
    for form in FormDefinition.objects.order_by("key"):
        newest = form.versions.order_by("-number").first()
        source = (newest.definition.get("source") or {}) if newest else {}
        if source.get("kind") == "fim" and source.get("fim_id") == fim_id:
            return form
    return None
