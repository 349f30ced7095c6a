"""/api/v1/services: everyday-language search and the service detail. Public reference data."""

from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError

from openkommune.catalog.constants import OZG_ID_REGEX
from openkommune.catalog.models import OzgLeistung
from openkommune.core.api_policy import public_response
from openkommune.core.schemas import ErrorOut
from openkommune.search import selectors

router = Router(tags=["Leistungen"])
# Public reference data, the same for everyone: cacheable (no `no-store`).
router.add_decorator(public_response, mode="operation")


class LeikaRefOut(Schema):
    key: str | None = Field(description="LeiKa-Schlüssel; null bei Leistungen „nicht im LeiKa“")
    name: str


class ServiceHitOut(Schema):
    ozg_id: str
    name: str
    lage: str
    themenfeld: str
    leika: list[LeikaRefOut] = Field(description="Die am besten passenden LeiKa-Leistungen")
    score: float | None = Field(description="Relevanz; null in der alphabetischen Liste")


class LebenslageOut(Schema):
    id: int = Field(description="Amtliche ID der Lebenslage")
    name: str
    themenfeld_id: int = Field(description="Amtliche ID des Themenfelds, zu dem sie gehört")
    themenfeld: str


class ServiceListOut(Schema):
    items: list[ServiceHitOut]
    total: int
    no_good_match: bool = Field(
        False,
        description=(
            "true: keine Leistung passt gut zur Anfrage („Wir haben keine passende Leistung "
            "gefunden“). `items` ist dann leer statt unpassender Treffer; stattdessen stehen "
            "die Lebenslagen in `lebenslagen` und die meistgenutzten Leistungen in `most_used`."
        ),
    )
    did_you_mean: str | None = Field(
        None,
        description=(
            "„Meinten Sie …?“: die Anfrage mit unbekannten Wörtern durch die nächsten Wörter "
            "des Suchindex ersetzt (Tippfehler); null, wenn es nichts zu verbessern gibt."
        ),
    )
    lebenslagen: list[LebenslageOut] = Field(
        default_factory=list, description="Nur bei `no_good_match`: alle Lebenslagen"
    )
    most_used: list[ServiceHitOut] = Field(
        default_factory=list, description="Nur bei `no_good_match`: meistgenutzte Leistungen"
    )


class LeikaServiceOut(Schema):
    key: str | None
    name: str
    im_leika: bool
    typisierung: str = Field(description="Typisierung in Worten, z. B. „Regelung: Bund; …“")
    typisierung_codes: list[str]
    executed_by_kommune: bool
    rechtsgrundlagen: str
    gesetze: str


class ServiceDetailOut(Schema):
    ozg_id: str
    name: str
    lage: str
    themenfeld: str
    leika: list[LeikaServiceOut]


@router.get(
    "",
    response={200: ServiceListOut, 422: ErrorOut},
    summary="Leistungen suchen oder auflisten",
    description=(
        "Mit `q`: OZG-Leistungen zu einer Anfrage in Alltagssprache, die passendste zuerst "
        "(Wortstämme, zusammengesetzte Wörter, Umlaute, Tippfehler, Abkürzungen, Synonyme). "
        "Passt keine Leistung gut, ist `no_good_match` true und statt unpassender Treffer "
        "kommen Lebenslagen und meistgenutzte Leistungen; `did_you_mean` schlägt bei "
        "Tippfehlern eine verbesserte Anfrage vor. Ohne `q`: alle Leistungen alphabetisch, "
        "seitenweise."
    ),
)
def service_search(
    request,
    q: Annotated[str | None, Query(max_length=selectors.MAX_QUERY_LENGTH)] = None,
    limit: Annotated[
        int | None, Query(ge=1, le=100, description="Standard 10 (Suche), 20 (Liste)")
    ] = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
):
    if q is not None and q.strip():
        result = selectors.service_search(query=q, limit=limit or 10, offset=offset)
        items = [
            _hit(leistung, score, [LeikaRefOut(key=k, name=n) for k, n in leika])
            for leistung, score, leika in result.items
        ]
        out = ServiceListOut(items=items, total=result.total, did_you_mean=result.did_you_mean)
        if result.no_good_match:
            choices = selectors.fallback_choices()
            out.no_good_match = True
            out.lebenslagen = [
                LebenslageOut(
                    id=lage.official_id,
                    name=lage.name,
                    themenfeld_id=lage.themenfeld.official_id,
                    themenfeld=lage.themenfeld.name,
                )
                for lage in choices.lebenslagen
            ]
            out.most_used = [_hit(o, None, []) for o in choices.most_used]
        return out
    queryset = selectors.service_list().select_related("lage", "themenfeld")
    limit = limit or 20
    page = list(queryset[offset : offset + limit])
    return ServiceListOut(items=[_hit(o, None, []) for o in page], total=queryset.count())


def _hit(leistung: OzgLeistung, score: float | None, leika: list) -> ServiceHitOut:
    return ServiceHitOut(
        ozg_id=leistung.ozg_id,
        name=leistung.name,
        lage=leistung.lage.name,
        themenfeld=leistung.themenfeld.name,
        leika=leika,
        score=score,
    )


@router.get(
    "/{ozg_id}",
    response={200: ServiceDetailOut, 404: ErrorOut, 422: ErrorOut},
    summary="Eine OZG-Leistung mit ihren LeiKa-Leistungen",
)
def service_detail(
    request,
    ozg_id: Annotated[str, Path(pattern=OZG_ID_REGEX, description="OZG-ID, fünf Ziffern")],
):
    try:
        leistung = selectors.service_get(ozg_id=ozg_id)
    except OzgLeistung.DoesNotExist:
        raise HttpError(
            404,
            _("Eine OZG-Leistung mit der ID %(ozg_id)s ist nicht bekannt.") % {"ozg_id": ozg_id},
        ) from None
    return ServiceDetailOut(
        ozg_id=leistung.ozg_id,
        name=leistung.name,
        lage=leistung.lage.name,
        themenfeld=leistung.themenfeld.name,
        leika=[
            LeikaServiceOut(
                key=row.leika_key or None,
                name=row.name,
                im_leika=row.im_leika,
                typisierung=row.typisierung_beschreibung,
                typisierung_codes=list(row.typisierung_codes),
                executed_by_kommune=row.executed_by_kommune,
                rechtsgrundlagen=row.rechtsgrundlagen,
                gesetze=row.gesetze,
            )
            for row in leistung.leika_assignments
        ],
    )
