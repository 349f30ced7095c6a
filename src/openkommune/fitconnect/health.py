"""Routing health check: does every (member, activated service) reach someone?

For each active member and each service it offers online (`catalog.ServiceActivation` with
`is_active`), the route is the member's active FIT-Connect destination for one of the
service's LeiKa keys, or else the built-in back office. A route is healthy when
- a destination: it is active, its encryption key (RSA-OAEP-256, `wrapKey`, ≥ 4096 bit) and
  its signature key (PS512, `verify`) are valid and, where they carry a certificate (`x5c`),
  do not expire within `EXPIRY_WARNING_DAYS`;
- the back office: someone works the member's inbox (a clerk or a member administrator).
Problems carry what to do, in German. The page is `views_health.routing_health`; the job
runs daily (`apps.py`) and logs every problem.
"""

import base64
import datetime
import logging
from dataclasses import dataclass, field

from cryptography import x509
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.catalog.models import LeikaAssignment, ServiceActivation
from openkommune.fitconnect import jose
from openkommune.fitconnect.constants import DestinationStatus, KeyUse
from openkommune.fitconnect.models import (
    Destination,
    DestinationKey,
    ExternalDestination,
    ExternalRouteStatus,
    OutboundState,
    OutboundSubmission,
)
from openkommune.fitconnect.services import leika_urn
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import Membership, Organisation
from openkommune.tenancy.scoping import scopes_disabled

logger = logging.getLogger(__name__)

EXPIRY_WARNING_DAYS = 30
BACK_OFFICE = "back_office"
DESTINATION = "destination"
EXTERNAL = "external"


@dataclass
class Finding:
    what: str
    todo: str


@dataclass
class Route:
    member: Organisation
    ozg_id: str
    service_name: str
    kind: str  # DESTINATION or BACK_OFFICE
    destination_id: str = ""
    problems: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _certificate_expiry(jwk: dict) -> datetime.datetime | None:
    chain = jwk.get("x5c") or []
    if not chain:
        return None
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
    except ValueError:
        return None
    return certificate.not_valid_after_utc


def _key_findings(key: DestinationKey | None, use: str, now) -> list[Finding]:
    label = _("Verschlüsselungsschlüssel") if use == KeyUse.ENCRYPTION else _("Signaturschlüssel")
    rotate = _(
        "Neuen Schlüssel vom Fachverfahren erzeugen lassen und mit "
        "„openkommune fitconnect_destination rotate-key --use %(use)s“ hinterlegen."
    ) % {"use": use}
    if key is None:
        return [Finding(_("Kein %(label)s hinterlegt.") % {"label": label}, rotate)]
    check = jose.check_encryption_jwk if use == KeyUse.ENCRYPTION else jose.check_signature_jwk
    try:
        check(key.jwk)
    except jose.JoseError as error:
        return [
            Finding(
                _("%(label)s %(kid)s ist ungültig: %(error)s")
                % {"label": label, "kid": key.kid, "error": error},
                rotate,
            )
        ]
    expiry = _certificate_expiry(key.jwk)
    if expiry is None:
        return []
    if expiry <= now:
        return [
            Finding(
                _("%(label)s %(kid)s ist seit %(date)s abgelaufen.")
                % {"label": label, "kid": key.kid, "date": expiry.date().isoformat()},
                rotate,
            )
        ]
    if expiry <= now + datetime.timedelta(days=EXPIRY_WARNING_DAYS):
        return [
            Finding(
                _("%(label)s %(kid)s läuft am %(date)s ab (in weniger als %(days)s Tagen).")
                % {
                    "label": label,
                    "kid": key.kid,
                    "date": expiry.date().isoformat(),
                    "days": EXPIRY_WARNING_DAYS,
                },
                rotate,
            )
        ]
    return []


def check_member(member: Organisation, *, now=None) -> list[Route]:
    now = now or timezone.now()
    with scopes_disabled():
        activations = list(
            ServiceActivation.objects.filter(tenant=member, is_active=True)
            .select_related("ozg_leistung")
            .order_by("ozg_leistung__name")
        )
        destinations = list(
            Destination.objects.filter(tenant=member).prefetch_related("keys").order_by("pk")
        )
        works_inbox = Membership.objects.filter(
            tenant=member, role__in=[Role.CLERK, Role.MEMBER_ADMIN], user__is_active=True
        ).exists()
        leistung_pks = [a.ozg_leistung_id for a in activations]
        urns_by_ozg: dict[int, set[str]] = {}
        for leistung_pk, key in (
            LeikaAssignment.objects.filter(ozg_leistung__in=leistung_pks)
            .exclude(leika_key="")
            .values_list("ozg_leistung_id", "leika_key")
        ):
            urns_by_ozg.setdefault(leistung_pk, set()).add(leika_urn(key))
        externals = list(
            ExternalDestination.objects.filter(
                tenant=member, status=ExternalRouteStatus.ACTIVE
            ).order_by("created_at", "id")
        )
        failed = dict(
            OutboundSubmission.objects.filter(route__in=externals, state=OutboundState.FAILED)
            .values("route_id")
            .annotate(count=Count("id"))
            .values_list("route_id", "count")
        )
    routes = []
    for activation in activations:
        leistung = activation.ozg_leistung
        urns = urns_by_ozg.get(leistung.pk, set())
        matching = [d for d in destinations if urns & set(d.services)]
        active = [d for d in matching if d.status == DestinationStatus.ACTIVE]
        external = next((e for e in externals if urns & set(e.services)), None)
        if not active and external is not None:
            # The intake sends there (outbound.py): a local destination would win.
            route = Route(member, leistung.ozg_id, leistung.name, EXTERNAL)
            route.destination_id = str(external.destination_id)
            if failed.get(external.pk):
                route.problems.append(
                    Finding(
                        _(
                            "%(count)s Zustellungen an den externen Zustellpunkt sind "
                            "gescheitert (Ursache auf der Seite des Vorgangs)."
                        )
                        % {"count": failed[external.pk]},
                        _(
                            "Ursache beheben (z. B. „openkommune fitconnect_external "
                            "set-secret“) und mit „openkommune fitconnect_external retry“ "
                            "erneut zustellen, oder die Anträge im Posteingang bearbeiten."
                        ),
                    )
                )
        elif active:
            destination = active[0]
            route = Route(member, leistung.ozg_id, leistung.name, DESTINATION)
            route.destination_id = str(destination.destination_id)
            keys = sorted(destination.keys.all(), key=lambda k: k.created_at, reverse=True)
            for use in (KeyUse.ENCRYPTION, KeyUse.SIGNATURE):
                current = next((k for k in keys if k.use == use and k.retired_at is None), None)
                route.problems += _key_findings(current, use, now)
        else:
            route = Route(member, leistung.ozg_id, leistung.name, BACK_OFFICE)
            if matching:
                route.destination_id = str(matching[0].destination_id)
                route.problems.append(
                    Finding(
                        _("Der Zustellpunkt %(id)s für diese Leistung ist inaktiv.")
                        % {"id": matching[0].destination_id},
                        _(
                            "Zustellpunkt wieder aktivieren, wenn das Fachverfahren Anträge "
                            "annehmen soll, oder die Leistung aus dem Zustellpunkt entfernen."
                        ),
                    )
                )
            if not works_inbox:
                route.problems.append(
                    Finding(
                        _(
                            "Niemand bearbeitet den Posteingang: Es gibt keine Person mit der "
                            "Rolle Sachbearbeitung oder Mitgliedsverwaltung."
                        ),
                        _(
                            "In der Mitgliedsverwaltung eine Person mit der Rolle "
                            "Sachbearbeitung anlegen, oder einen FIT-Connect-Zustellpunkt "
                            "für diese Leistung einrichten."
                        ),
                    )
                )
        routes.append(route)
    return routes


def check_all(*, now=None) -> list[Route]:
    now = now or timezone.now()
    with scopes_disabled():
        members = list(
            Organisation.objects.filter(is_active=True, is_cooperative=False).order_by("name")
        )
    routes = []
    for member in members:
        routes += check_member(member, now=now)
    return routes


def daily_check() -> int:
    """The daily job: log every problem; returns how many routes have problems."""
    broken = [route for route in check_all() if not route.ok]
    for route in broken:
        for problem in route.problems:
            logger.warning(
                "fitconnect routing health: member %s, OZG %s: %s",
                route.member.region_ars,
                route.ozg_id,
                problem.what,
            )
    return len(broken)
