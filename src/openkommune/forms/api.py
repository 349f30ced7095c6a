"""/api/v1/forms: the published online forms, their definitions and data schemas.

Public reference data: no login. Drafts are not public and answer 404 like a missing form.
"""

import re
from typing import Annotated

from django.http import Http404
from ninja import Path, Query, Router

from openkommune.core.api_policy import public_response
from openkommune.core.schemas import ErrorOut
from openkommune.forms.models import FORM_KEY_REGEX, FormVersion
from openkommune.forms.schemas import FormListOut, FormOut, FormVersionOut
from openkommune.forms.selectors import form_list, form_version_get

router = Router(tags=["Formulare"])
# Public reference data, the same for everyone: cacheable (no `no-store`).
router.add_decorator(public_response, mode="operation")


@router.get(
    "",
    response={200: FormListOut, 422: ErrorOut},
    summary="Veröffentlichte Online-Formulare",
    description=(
        "Alle Formulare mit mindestens einer veröffentlichten Version, nach Schlüssel; "
        "mit `leika` nur die Formulare, die diesem LeiKa-Schlüssel dienen."
    ),
)
def list_forms(
    request,
    leika: Annotated[
        str | None, Query(pattern=r"^99[0-9]{12}$", description="LeiKa-Schlüssel")
    ] = None,
):
    items = [
        FormOut(
            key=form.key,
            title=form.title,
            leika_keys=form.leika_keys,
            current_version=form.current_number,
        )
        for form in form_list()
        if leika is None or leika in form.leika_keys
    ]
    return FormListOut(items=items)


@router.get(
    "/{key}/versions/{number}",
    response={200: FormVersionOut, 404: ErrorOut, 422: ErrorOut},
    summary="Eine Version eines Formulars",
    description=(
        "Definition und Datenschema einer veröffentlichten (oder zurückgezogenen) Version. "
        "Entwürfe und unbekannte Versionen: 404."
    ),
)
def get_version(
    request,
    key: Annotated[str, Path(max_length=63, description="Schlüssel des Formulars")],
    number: Annotated[int, Path(ge=1, le=1_000_000, description="Versionsnummer")],
):
    # A key that cannot exist is not worth a query (and a NUL byte would upset PostgreSQL).
    if not re.fullmatch(FORM_KEY_REGEX, key):
        raise Http404
    try:
        version = form_version_get(key=key, number=number, published_only=True)
    except FormVersion.DoesNotExist:
        raise Http404 from None
    return FormVersionOut(
        key=version.form.key,
        number=version.number,
        status=version.status,
        published_at=version.published_at,
        definition=version.definition,
        data_schema=version.data_schema,
    )
