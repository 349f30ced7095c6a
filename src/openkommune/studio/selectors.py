"""The studio's reads: forms with their newest version, sorted for the list page."""

from __future__ import annotations

from django.db.models import Max, OuterRef, QuerySet, Subquery

from openkommune.forms.models import FormDefinition, FormVersion

SORTS = {
    "schluessel": ("key",),
    "titel": ("title", "key"),
    "geaendert": ("-newest_changed", "key"),
}


def studio_form_list(*, sort: str = "schluessel") -> QuerySet[FormDefinition]:
    """Every form (any status), annotated with its newest version's number, status and
    change time."""
    newest = FormVersion.objects.filter(form=OuterRef("pk")).order_by("-number")
    forms = FormDefinition.objects.annotate(
        newest_number=Max("versions__number"),
        newest_status=Subquery(newest.values("status")[:1]),
        newest_changed=Subquery(newest.values("updated_at")[:1]),
    )
    return forms.order_by(*SORTS.get(sort, SORTS["schluessel"]))


def studio_form_get(*, key: str) -> FormDefinition:
    return FormDefinition.objects.get(key=key)


def studio_versions(*, form: FormDefinition) -> QuerySet[FormVersion]:
    return form.versions.select_related("edited_by", "published_by").order_by("-number")
