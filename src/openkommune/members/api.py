"""/api/v1/members: the cooperative's member register.

The register is public; shares are `null` unless the caller may see them (cooperative
staff, people of the member organisation, or shares marked public). The session login is
enough: no separate credential, anonymous callers get the public fields.
"""

import datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema

from openkommune.core.schemas import ErrorOut, IsoDate
from openkommune.members.selectors import Viewer, current_period, member_list
from openkommune.tenancy.constants import OrganisationKind

router = Router(tags=["Genossenschaft"])


class MemberQuery(Schema):
    kind: OrganisationKind | None = Field(None, description="Art der Organisation")
    as_of: IsoDate | None = Field(
        None, description="Stand am (JJJJ-MM-TT): nur wer an diesem Tag Mitglied war"
    )
    region: str | None = Field(
        None,
        pattern=r"^[0-9]{2,12}$",
        description="Regionalschlüssel oder sein Anfang (z. B. 15082 für einen Kreis)",
    )
    limit: int = Field(25, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


class SharesOut(Schema):
    count: int
    amount: Decimal


class MemberOut(Schema):
    id: str = Field(description="öffentliche ID (UUID)")
    name: str
    kind: str
    region_ars: str
    joined_on: datetime.date | None
    left_on: datetime.date | None
    is_founding_member: bool
    shares: SharesOut | None


class MemberPageOut(Schema):
    items: list[MemberOut]
    total: int


@router.get(
    "",
    response={200: MemberPageOut, 422: ErrorOut},
    summary="Mitglieder der Genossenschaft",
    description=(
        "Das Mitgliederregister, seitenweise. Anteile nur für Berechtigte (sonst `null`). "
        "Mit `as_of` nur die Mitglieder an diesem Tag, sonst alle, auch ausgetretene."
    ),
)
def list_members(request, filters: Query[MemberQuery]):
    viewer = Viewer.of(request.user)
    members = member_list(
        viewer=request.user,
        as_of=filters.as_of,
        kind=filters.kind,
        region_ars_prefix=filters.region,
    )
    total = members.count()
    items = []
    for member in members[filters.offset : filters.offset + filters.limit]:
        period = current_period(member, as_of=filters.as_of)
        shares = (
            SharesOut(count=member.shares_count, amount=member.shares_amount)
            if viewer.sees_shares(member)
            else None
        )
        items.append(
            MemberOut(
                id=str(member.public_id),
                name=member.organisation.name,
                kind=member.organisation.kind,
                region_ars=member.organisation.region_ars,
                joined_on=period.joined_on if period else None,
                left_on=period.left_on if period else None,
                is_founding_member=member.is_founding_member,
                shares=shares,
            )
        )
    return MemberPageOut(items=items, total=total)
