"""/api/v1/services/{ozg_id}/responsible: who is responsible for a Leistung at a place.

The list and detail of /services belong to the search app; both routers share the prefix.
"""

from typing import Annotated

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError

from openkommune.catalog import selectors
from openkommune.catalog.models import OzgLeistung
from openkommune.catalog.selectors import Responsibility
from openkommune.core.api_policy import public_response
from openkommune.core.schemas import ErrorOut

router = Router(tags=["Leistungen"])
# Public reference data, the same for everyone: cacheable (no `no-store`).
router.add_decorator(public_response, mode="operation")

OZG_ID_PATTERN = r"^[0-9]{5}$"
POSTCODE_PATTERN = r"^[0-9]{5}$"
ARS_PATTERN = r"^[0-9]{12}$"


class ResponsibleRegionOut(Schema):
    ars: str = Field(description="Regionalschlüssel der Gemeinde, zwölf Ziffern")
    ags: str = Field(description="Gemeindeschlüssel, acht Ziffern")
    name: str


class ResponsibleAuthorityOut(Schema):
    name: str
    address: str = Field(description="Anschrift; bei Nicht-Mitgliedern der Verwaltungssitz")
    email: str
    phone: str
    is_member: bool = Field(description="Die Stelle ist Mitglied der Plattform")


class ResponsibleItemOut(Schema):
    region: ResponsibleRegionOut
    authority: ResponsibleAuthorityOut
    online: bool = Field(description="Die Leistung kann hier auf der Plattform beantragt werden")
    start_url: str | None = Field(description="Adresse zum Beginnen des Online-Antrags")
    level: str = Field(description="gemeinde, verband, kreis, land oder bund")


class ResponsibleOut(Schema):
    items: list[ResponsibleItemOut]


def _item(request, leistung: OzgLeistung, result: Responsibility) -> ResponsibleItemOut:
    gemeinde = result.gemeinde
    start_url = None
    if result.online:
        start_url = result.activation.start_url or request.build_absolute_uri(
            reverse("catalog:online_start", args=[leistung.ozg_id])
        )
    return ResponsibleItemOut(
        region=ResponsibleRegionOut(ars=gemeinde.ars, ags=gemeinde.ags, name=gemeinde.name),
        authority=ResponsibleAuthorityOut(
            name=result.authority.name,
            address=result.authority.address,
            email=result.authority.email,
            phone=result.authority.phone,
            is_member=result.is_member,
        ),
        online=result.online,
        start_url=start_url,
        level=str(result.level),
    )


@router.get(
    "/{ozg_id}/responsible",
    response={200: ResponsibleOut, 404: ErrorOut, 422: ErrorOut},
    summary="Zuständige Stelle für eine Leistung an einem Ort",
    description=(
        "Genau einer der Parameter `plz` oder `ars` ist anzugeben. Für jede Gemeinde der "
        "Postleitzahl (oder die Gemeinde mit dem Regionalschlüssel): die zuständige Stelle mit "
        "Kontakt, ob sie Mitglied der Plattform ist und ob die Leistung dort online angeboten "
        "wird. Die Ebene folgt aus regionalen Ausnahmen, den Regeln je Leistung und sonst der "
        "Typisierung (docs/adr/0005-responsibility-rules.md)."
    ),
)
def responsible(
    request,
    ozg_id: Annotated[str, Path(pattern=OZG_ID_PATTERN, description="OZG-ID, fünf Ziffern")],
    plz: Annotated[
        str | None, Query(pattern=POSTCODE_PATTERN, description="Postleitzahl, fünf Ziffern")
    ] = None,
    ars: Annotated[
        str | None,
        Query(pattern=ARS_PATTERN, description="Regionalschlüssel einer Gemeinde, zwölf Ziffern"),
    ] = None,
):
    if (plz is None) == (ars is None):
        raise HttpError(422, _("Geben Sie genau einen der Parameter plz oder ars an."))
    try:
        # Without its LeiKa rows: the answer needs only the Leistung itself.
        leistung = selectors.ozg_leistung_list().get(ozg_id=ozg_id)
    except OzgLeistung.DoesNotExist:
        raise HttpError(404, _("Die Leistung %(id)s gibt es nicht.") % {"id": ozg_id}) from None
    results = selectors.responsibilities_published(ozg_leistung=leistung, postcode=plz, ars=ars)
    if not results and plz is not None:
        raise HttpError(
            404, _("Für die Postleitzahl %(plz)s ist keine Gemeinde bekannt.") % {"plz": plz}
        )
    if not results:
        raise HttpError(
            404, _("Zum Regionalschlüssel %(ars)s ist keine Gemeinde bekannt.") % {"ars": ars}
        )
    return ResponsibleOut(items=[_item(request, leistung, result) for result in results])
