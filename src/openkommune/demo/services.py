"""The demo: a made-up cooperative whose members are real Saxony-Anhalt authorities.

Organisations take name, key, seat and postcode from the imported official directory
(`regions.Region`); nothing else about them is invented (no street, e-mail under the
reserved domain example.org). People and logins are demo accounts and say so. The made-up
cooperative has a made-up office address (a "Musterstraße") for its contact page, a few
news posts and two made-up Fachverfahren ("Demo-…") to which the Magdeburg member subscribes;
all of them say on the pages that they are demo content.
Idempotent: keyed by the region key (organisations) and e-mail (people); a second run
changes, and audits, only what differs.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from openkommune.accounts.models import User
from openkommune.accounts.services import user_create, user_update
from openkommune.cases.services.service_settings import notice_template_set
from openkommune.catalog.models import OzgLeistung
from openkommune.catalog.selectors import application_way, responsible_authority
from openkommune.catalog.services import service_activation_set
from openkommune.fachverfahren.constants import OperatingMode
from openkommune.fachverfahren.models import Fachverfahren, Subscription
from openkommune.fachverfahren.services import fachverfahren_create, subscription_create
from openkommune.payments.constants import DEMO_RULES
from openkommune.payments.selectors import provider_config_for_tenant_id
from openkommune.payments.services import fee_schedule_set, provider_config_set
from openkommune.printplanner.constants import SAMPLE_FILE, SAMPLE_TITLE
from openkommune.printplanner.models import Inventory
from openkommune.printplanner.services import inventory_import, scenario_create
from openkommune.regions.constants import (
    ARS_PREFIX_LENGTH,
    ORGANISATION_KIND_BY_REGION,
    RegionLevel,
)
from openkommune.regions.models import Region
from openkommune.regions.selectors import official_name, regions_with_ancestors
from openkommune.staffsso.models import StaffLoginProvider
from openkommune.staffsso.services import staff_login_provider_set
from openkommune.tenancy.constants import OrganisationKind, Role
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.services import membership_grant, organisation_create, organisation_update
from openkommune.twofactor.services import demo_totp_device_set
from openkommune.website.models import NewsPost
from openkommune.website.services import news_create, news_publish
from openkommune.workinggroups.constants import ParticipantRole
from openkommune.workinggroups.models import WorkingGroup
from openkommune.workinggroups.services import group_create, meeting_plan, participant_add

DEFAULT_PASSWORD = "demo-openkommune"  # noqa: S105 - documented demo password, demo only
SAXONY_ANHALT = "15"

COOPERATIVE = {
    "name": "OpenKommune Demo-Genossenschaft eG",
    "short_name": "Demo-Genossenschaft",
    "kind": OrganisationKind.GENOSSENSCHAFT,
    "is_cooperative": True,
    "email": "demo-genossenschaft@example.org",
    "website": "https://example.org/",
    # Made up and labelled as demo data on the contact page and in the vCard.
    "street": "Musterstraße 1",
    "postcode": "39104",
    "city": "Magdeburg",
}

# Fachverfahren of the demo: made up (names say "Demo-", vendors are no real companies).
DEMO_FACHVERFAHREN = (
    {
        "name": "Demo-Einwohnerwesen",
        "vendor": "Demo-Softwarehaus (erfunden)",
        "version": "5.2",
        "operating_mode": OperatingMode.HOSTED,
        "maintenance_windows": "Demo: jeden 1. Dienstag im Monat, 18–22 Uhr",
        "service_hours": "Demo: Mo–Fr 7–17 Uhr, außer an Feiertagen in Sachsen-Anhalt",
        "price_per_year": Decimal("1200.00"),
        "description": "Erfundenes Fachverfahren der Demonstration.",
    },
    {
        "name": "Demo-Finanzwesen",
        "vendor": "Demo-Softwarehaus (erfunden)",
        "version": "2026.1",
        "operating_mode": OperatingMode.SAAS,
        "maintenance_windows": "Demo: samstags 6–8 Uhr",
        "service_hours": "Demo: Mo–Fr 8–16 Uhr",
        "price_per_year": Decimal("730.00"),
        "description": "Erfundenes Fachverfahren der Demonstration.",
    },
)

# Aktuelles of the demo: made up, marked as demo content (title and text).
DEMO_NEWS = (
    (
        "Demo: Bewohnerparkausweis jetzt online",
        "Demo-Inhalt: Mitglieder können den Bewohnerparkausweis auf der Plattform anbieten.",
        "Dies ist eine erfundene Meldung der Demonstration.\n\nDer Online-Antrag für den "
        "Bewohnerparkausweis lässt sich in der Demo ausprobieren; Gebühren zahlen Sie beim "
        "Bezahldienst-Simulator, kein echtes Geld.",
        "Online-Dienste, Demo",
        3,
    ),
    (
        "Demo: Wartungsfenster am Samstag",
        "Demo-Inhalt: Die Plattform ist am Samstag zwischen 6 und 8 Uhr nicht erreichbar.",
        "Dies ist eine erfundene Meldung der Demonstration; es gibt kein Wartungsfenster.",
        "Betrieb, Demo",
        2,
    ),
    (
        "Demo: Arbeitskreis Beschaffung trifft sich",
        "Demo-Inhalt: Der Arbeitskreis bespricht die Bündelung der Bedarfe für 2027.",
        "Dies ist eine erfundene Meldung der Demonstration.\n\nTermine und Ort sind erfunden.",
        "Beschaffung, Demo",
        1,
    ),
)

# Real Gemeinden (AGS) of Saxony-Anhalt, among them founding member Barleben, and one real
# Verbandsgemeinde (ARS). A key missing from a newer directory is skipped, not invented.
DEMO_GEMEINDEN_AGS = (
    "15083040",  # Barleben
    "15082180",  # Köthen (Anhalt)
    "15082015",  # Bitterfeld-Wolfen
    "15082430",  # Zerbst/Anhalt
    "15083270",  # Haldensleben
    "15083298",  # Hohe Börde
    "15083565",  # Wolmirstedt
    "15085235",  # Quedlinburg
    "15085370",  # Wernigerode
    "15087370",  # Sangerhausen
    "15090535",  # Stendal
)
DEMO_VERBANDSGEMEINDEN_ARS = ("150905051000",)  # Arneburg-Goldbeck

MAGDEBURG_ARS = "150030000000"
ANHALT_BITTERFELD_ARS = "150820000000"

# (e-mail, first name, last name, role, organisation ARS or None for the cooperative/citizen)
DEMO_PEOPLE = (
    ("sachbearbeitung.magdeburg@demo.example.org", "Demo", "Sachbearbeitung Magdeburg",
     Role.CLERK, MAGDEBURG_ARS),
    ("mitgliedsverwaltung.magdeburg@demo.example.org", "Demo", "Mitgliedsverwaltung Magdeburg",
     Role.MEMBER_ADMIN, MAGDEBURG_ARS),
    ("sachbearbeitung.anhalt-bitterfeld@demo.example.org", "Demo",
     "Sachbearbeitung Anhalt-Bitterfeld", Role.CLERK, ANHALT_BITTERFELD_ARS),
    ("genossenschaft@demo.example.org", "Demo", "Genossenschaft", Role.COOPERATIVE_STAFF, None),
    ("buerger@demo.example.org", "Erika", "Mustermann (Demo)", None, None),
)  # fmt: skip


# Leistungen the demo member Magdeburg keeps contact data for (EfA activation). Online only
# with a way to apply (issue 14): Wohnsitzmeldungen (10124) has no form of the platform and
# the demo invents no external link, so it stays switched off; a demo database from before
# that rule had it online, and the next `load_demo` switches it off (audited).
DEMO_ACTIVATIONS_MAGDEBURG = (("10124", "Bürgerbüro (Demo)", ""),)

# The Leistungen with an online form on the platform (forms/definitions/, `load_forms`):
# switched on for whichever demo member is responsible for them in Magdeburg, so that the
# whole journey can be tried there. (OZG-ID, contact, note)
DEMO_FORM_LEISTUNGEN = (
    ("10160", "Steueramt, Hundesteuer (Demo)", "Die Hundesteuer richtet sich nach der Satzung."),
    ("10173", "Straßenverkehrsbehörde, Parkausweise (Demo)", ""),
    ("10110", "Abfallwirtschaft, Sperrmüll (Demo)", ""),
    ("10112", "Umweltamt, Baumschutz (Demo)", ""),
    ("10348", "Tiefbauamt, Sondernutzungen (Demo)", ""),
    ("10294", "Gewerbeamt (Demo)", ""),
)


def _activate(organisation: Organisation, leistung: OzgLeistung, contact: str, notes: str):
    """Online when the platform has a published form for the Leistung (`load_forms`), else
    contact data only. Idempotent: `service_activation_set` writes (and audits) only what
    differs."""
    service_activation_set(
        tenant=organisation,
        actor=None,
        ozg_leistung=leistung,
        is_active=application_way(ozg_leistung=leistung).kind is not None,
        contact_name=contact,
        contact_email=f"demo-{leistung.ozg_id}@example.org",
        processing_time="Demo: etwa zwei Wochen",
        citizen_notes=(notes and f"Demo-Angabe: {notes}")
        or "Demo-Angabe: Anträge werden nicht bearbeitet.",
    )


def _current_leistung(ozg_id: str) -> OzgLeistung | None:
    # An older or newer catalogue without this Leistung: nothing is invented.
    return OzgLeistung.objects.filter(ozg_id=ozg_id, is_current=True).first()


def _activate_demo_services(organisation: Organisation) -> None:
    for ozg_id, contact, notes in DEMO_ACTIVATIONS_MAGDEBURG:
        leistung = _current_leistung(ozg_id)
        if leistung is not None:
            _activate(organisation, leistung, contact, notes)


def _activate_form_services() -> tuple[list[str], dict[str, Organisation]]:
    """Switch the form Leistungen on for the demo member responsible in Magdeburg; returns
    the OZG-IDs that have no responsible demo member there (nothing is switched on) and the
    demo member of each OZG-ID switched on."""
    gemeinde = (
        regions_with_ancestors()
        .filter(ars=MAGDEBURG_ARS, level=RegionLevel.GEMEINDE, is_current=True)
        .first()
    )
    skipped = []
    activated: dict[str, Organisation] = {}
    for ozg_id, contact, notes in DEMO_FORM_LEISTUNGEN:
        leistung = _current_leistung(ozg_id)
        organisation = None
        if leistung is not None and gemeinde is not None:
            organisation = responsible_authority(
                ozg_leistung=leistung, gemeinde=gemeinde
            ).organisation
        if organisation is None or not organisation.is_demo:
            skipped.append(ozg_id)
            continue
        _activate(organisation, leistung, contact, notes)
        activated[ozg_id] = organisation
    return skipped, activated


# The Hundesteuer notice template of the demo member: marked as demo in title and text, its
# remedy is an unchecked example. No demo service gets a legal processing deadline
# (`ServiceDeadline`): the dog-tax registration and the other demo services have no
# statutory deadline for the authority's decision that could be named as legal basis, and
# the platform does not invent one.
HUNDESTEUER = "10160"
DEMO_NOTICE_TITLE = "Bescheid zur Hundesteuer (Demo) – {{ reference }}"
DEMO_NOTICE_BODY = """\
## Demo

[DEMO: Dieser Text zeigt, wie die Plattform OpenKommune Bescheide erstellt. Er ist kein \
Bescheid einer Behörde und wurde nicht rechtlich geprüft.]

Guten Tag {{ applicant_name }},

über Ihren Antrag zur Hundesteuer vom {{ submitted_on }} (Aktenzeichen {{ reference }}) \
entscheiden wir wie folgt: {{ decision }}.

## Begründung

{{ reason }}

## Steuer

Die Höhe der Hundesteuer und ihre Fälligkeit richten sich nach der Hundesteuersatzung der \
Gemeinde. [DEMO: In dieser Demonstration wird keine Steuer festgesetzt.]

## Rechtsbehelfsbelehrung

[DEMO-BEISPIEL – vor einer echten Verwendung von der Behörde zu prüfen und durch die \
zutreffende Rechtsbehelfsbelehrung zu ersetzen]

Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch erhoben \
werden. Der Widerspruch ist schriftlich, in elektronischer Form oder zur Niederschrift bei \
{{ authority }} einzulegen.

Mit freundlichen Grüßen
{{ authority }}
"""


def _seed_notice_template(activated: dict[str, Organisation]) -> None:
    """Idempotent: the service writes (and audits) only what differs."""
    organisation = activated.get(HUNDESTEUER)
    leistung = _current_leistung(HUNDESTEUER)
    if organisation is None or leistung is None:
        return
    notice_template_set(
        tenant=organisation,
        actor=None,
        ozg_leistung=leistung,
        title=DEMO_NOTICE_TITLE,
        body=DEMO_NOTICE_BODY,
    )


class RegionsMissingError(Exception):
    """The official directory has not been imported (no Kreise of Saxony-Anhalt)."""


class RealDataConflictError(Exception):
    """A real (non-demo) cooperative or account is in the way; the demo never touches it."""


@dataclass
class DemoLogin:
    role_label: str
    email: str
    organisation: str
    # Staff log in with the demo TOTP secret as second factor (ADR 0020).
    second_factor: bool = False


@dataclass
class DemoResult:
    organisations: int = 0
    logins: list[DemoLogin] = field(default_factory=list)
    skipped_keys: list[str] = field(default_factory=list)
    # OZG-IDs of form Leistungen without a responsible demo member in Magdeburg.
    form_services_skipped: list[str] = field(default_factory=list)


# Fees of the demo (labelled demo rules with example legal references) and, when the demo runs
# with a Bezahldienst (`make run`: the Bezahldienst-Simulator), the demo members' connection.
# The platform only gets an address and the name of the variable holding the shared secret.
DEMO_PAYMENT_ENDPOINTS = {"10173": "BEWOHNERPARKEN", "10348": "SONDERNUTZUNG"}


def _seed_fachverfahren(member: Organisation) -> None:
    """The demo's Fachverfahren, once each (by name and version), and one subscription of
    the demo member to each from the start of the year."""
    start = timezone.localdate().replace(month=1, day=1)
    for values in DEMO_FACHVERFAHREN:
        row = Fachverfahren.objects.filter(name=values["name"], version=values["version"]).first()
        if row is None:
            row = fachverfahren_create(actor=None, is_demo=True, **values)
        with scope(tenant=member):
            if Subscription.objects.filter(tenant=member, fachverfahren=row).exists():
                continue
        subscription_create(
            tenant=member, actor=None, fachverfahren=row, starts_on=start, quantity=2
        )


DEMO_WORKING_GROUP = "Arbeitskreis E-Rechnung (Demo)"
# (e-mail of a demo person, role in the group); people of two members and the cooperative.
DEMO_WORKING_GROUP_PEOPLE = (
    ("mitgliedsverwaltung.magdeburg@demo.example.org", ParticipantRole.CHAIR),
    ("sachbearbeitung.anhalt-bitterfeld@demo.example.org", ParticipantRole.MEMBER),
    ("sachbearbeitung.magdeburg@demo.example.org", ParticipantRole.GUEST),
    ("genossenschaft@demo.example.org", ParticipantRole.MEMBER),
)


def _seed_working_group() -> None:
    """A demo working group (marked demo, once by name) with people of two demo members and
    the cooperative and one meeting planned in two weeks; no invitation is sent."""
    if WorkingGroup.objects.filter(name=DEMO_WORKING_GROUP).exists():
        return
    group = group_create(
        actor=None,
        name=DEMO_WORKING_GROUP,
        description=(
            "Erfundener Arbeitskreis der Demo: Mitglieder tauschen Erfahrungen mit dem Empfang "
            "von XRechnungen aus."
        ),
        is_demo=True,
        fachverfahren=Fachverfahren.objects.filter(is_demo=True)[:1],
    )
    for email, role in DEMO_WORKING_GROUP_PEOPLE:
        if User.objects.filter(email__iexact=email).exists():
            participant_add(group=group, actor=None, email=email, role=role)
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    start += datetime.timedelta(days=14)
    meeting_plan(
        group=group,
        actor=None,
        title="Erfahrungsaustausch (Demo)",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        location="Geschäftsstelle der Genossenschaft (Demo)",
        agenda=["Begrüßung", "Erfahrungen mit XRechnung", "Verschiedenes"],
    )


def _seed_print_plan(member: Organisation) -> None:
    """The print planner's sample inventory (Beispieldaten, nicht real) with one scenario
    on the defaults, once."""
    with scope(tenant=member):
        if Inventory.objects.filter(title=SAMPLE_TITLE).exists():
            return
    inventory = inventory_import(
        tenant=member,
        actor=None,
        title=SAMPLE_TITLE,
        file=SAMPLE_FILE.read_bytes(),
        source_name=SAMPLE_FILE.name,
    )
    scenario_create(inventory=inventory, actor=None, name="Beispielszenario (Vorgaben)")


def _seed_news() -> None:
    """The demo's posts, once each (by title), published some days ago."""
    now = timezone.now()
    for title, summary, body, tags, days_ago in DEMO_NEWS:
        if NewsPost.objects.filter(title=title, is_demo=True).exists():
            continue
        post = news_create(
            actor=None, title=title, summary=summary, body=body, tags=tags, is_demo=True
        )
        news_publish(post=post, actor=None, published_at=now - datetime.timedelta(days=days_ago))


def _seed_staff_login(magdeburg: Organisation) -> None:
    """With `make run`/`make dev`, Magdeburg's staff log in through the test staff directory
    started beside the server (tools/oidc_provider with staff_identities.json, test people
    only): OPENKOMMUNE_DEMO_STAFF_OIDC_ISSUER and its client. Without it, nothing changes."""
    issuer = os.environ.get("OPENKOMMUNE_DEMO_STAFF_OIDC_ISSUER", "")
    if not issuer:
        return
    wanted = {
        "is_active": True,
        "label": "Test-Verzeichnis der Beschäftigten Magdeburg (nur Demo)",
        "issuer": issuer,
        "client_id": os.environ.get("OPENKOMMUNE_DEMO_STAFF_OIDC_CLIENT_ID", ""),
    }
    secret = os.environ.get("OPENKOMMUNE_DEMO_STAFF_OIDC_CLIENT_SECRET", "")
    with scope(tenant=magdeburg):
        current = StaffLoginProvider.objects.filter(tenant=magdeburg).first()
    if (
        current is not None
        and current.client_secret == secret
        and all(getattr(current, name) == value for name, value in wanted.items())
    ):
        return  # unchanged: no audit record on every run of the demo
    staff_login_provider_set(tenant=magdeburg, actor=None, client_secret=secret, **wanted)


def _demo_payment_credentials() -> dict:
    """The demo's client certificate at the Bezahldienst-Simulator (`make run`: made by
    tools/paysim/pki.py in OPENKOMMUNE_DEMO_PAYMENT_TLS_DIR): certificate, key, CA."""
    directory = os.environ.get("OPENKOMMUNE_DEMO_PAYMENT_TLS_DIR", "")
    if not directory:
        return {}
    folder = Path(directory)
    try:
        return {
            "client_certificate": (folder / "client.pem").read_text(),
            "client_key": (folder / "client-key.pem").read_text(),
            "ca_bundle": (folder / "ca.pem").read_text(),
        }
    except OSError:
        return {}


def _seed_payments(activated: dict[str, Organisation]) -> None:
    url = os.environ.get("OPENKOMMUNE_DEMO_PAYMENT_URL", "")
    credentials = _demo_payment_credentials()
    rules = {rule["form_key"]: rule for rule in DEMO_RULES}
    for ozg_id, form_key in (("10173", "bewohnerparkausweis"), ("10348", "sondernutzung")):
        organisation = activated.get(ozg_id)
        if organisation is None:
            continue
        fee_schedule_set(tenant=organisation, actor=None, is_demo=True, **rules[form_key])
        if url:
            current = provider_config_for_tenant_id(organisation.pk)
            key = credentials.get("client_key", "")
            if (
                current is not None
                and current.client_certificate == credentials.get("client_certificate", "")
                and current.client_key_encrypted
            ):
                key = ""  # the same certificate: keep its key (no audit record every run)
            provider_config_set(
                tenant=organisation,
                actor=None,
                provider="epaybl",
                base_url=url,
                originator_id="DEMO-MANDANT",
                endpoint_id=DEMO_PAYMENT_ENDPOINTS[ozg_id],
                secret_reference="OPENKOMMUNE_PAYMENT_SECRET_DEMO",  # noqa: S106 (a name)
                client_certificate=credentials.get("client_certificate", ""),
                ca_bundle=credentials.get("ca_bundle", ""),
                client_key=key,
                haushaltsstelle="1.1.2.2.01.4311000 (Demo)",
                objektnummer="DEMO-01",
                kassenzeichen_prefix="DE",
                is_demo=True,
            )


def _seat_postcode(region: Region) -> str:
    """Postcode of the seat: the Gemeinde's own, else that of the seat Gemeinde below it."""
    if region.postcode_of_seat:
        return region.postcode_of_seat
    prefix = region.ars[: ARS_PREFIX_LENGTH[region.level]]
    for gemeinde in Region.objects.filter(
        level=RegionLevel.GEMEINDE, ars__startswith=prefix, is_current=True
    ):
        full, short = official_name(gemeinde)
        if region.seat in (full, short, gemeinde.name):
            return gemeinde.postcode_of_seat
    return ""


def _demo_regions() -> tuple[list[Region], list[str]]:
    kreise = list(
        Region.objects.filter(
            land_code=SAXONY_ANHALT, level=RegionLevel.KREIS, is_current=True
        ).order_by("ars")
    )
    if not kreise:
        raise RegionsMissingError
    verbaende = Region.objects.filter(
        level=RegionLevel.GEMEINDEVERBAND, ars__in=DEMO_VERBANDSGEMEINDEN_ARS, is_current=True
    )
    gemeinden = Region.objects.filter(
        level=RegionLevel.GEMEINDE, ags__in=DEMO_GEMEINDEN_AGS, is_current=True
    )
    found = [*kreise, *verbaende.order_by("ars"), *gemeinden.order_by("ars")]
    found_keys = {r.ags for r in gemeinden} | {r.ars for r in verbaende}
    wanted = (*DEMO_VERBANDSGEMEINDEN_ARS, *DEMO_GEMEINDEN_AGS)
    return found, [key for key in wanted if key not in found_keys]


def _upsert(lookup: dict, values: dict) -> Organisation:
    # Several units share a padded ARS (Magdeburg is Kreis and Gemeinde): the kind tells
    # them apart, so it is part of the key.
    existing = Organisation.objects.filter(**lookup).first()
    if existing is None:
        return organisation_create(actor=None, **lookup, **values)
    return organisation_update(tenant=existing, actor=None, **values)


def _organisation_values(region: Region) -> dict:
    full, short = official_name(region)
    return {
        "name": full,
        "short_name": short,
        "street": "",
        "postcode": _seat_postcode(region),
        "city": region.seat or short,
        "email": f"demo-{region.ars}@example.org",
        "phone": "",
        "website": "",
        "is_active": True,
    }


@transaction.atomic
def demo_load(*, password: str = DEFAULT_PASSWORD) -> DemoResult:
    """Create or update the demo. Raises RegionsMissingError before writing anything."""
    regions, skipped = _demo_regions()
    if Organisation.objects.filter(is_cooperative=True, is_demo=False).exists():
        raise RealDataConflictError("cooperative")
    emails = [person[0] for person in DEMO_PEOPLE]
    if User.objects.filter(email__in=emails, is_demo=False).exists():
        raise RealDataConflictError("user")
    result = DemoResult(skipped_keys=skipped)

    cooperative = _upsert(
        {"is_cooperative": True},
        {k: v for k, v in COOPERATIVE.items() if k != "is_cooperative"} | {"is_demo": True},
    )
    by_ars: dict[str, Organisation] = {}
    for region in regions:
        kind = ORGANISATION_KIND_BY_REGION.get((region.level, region.kind))
        if kind is None:
            result.skipped_keys.append(region.ars)
            continue
        lookup = {"region_ars": region.ars, "kind": kind, "is_demo": True}
        organisation = _upsert(lookup, _organisation_values(region))
        by_ars.setdefault(region.ars, organisation)
    result.organisations = 1 + len(by_ars)
    if MAGDEBURG_ARS in by_ars:
        _activate_demo_services(by_ars[MAGDEBURG_ARS])
    _seed_news()
    if MAGDEBURG_ARS in by_ars:
        _seed_fachverfahren(by_ars[MAGDEBURG_ARS])
        _seed_print_plan(by_ars[MAGDEBURG_ARS])
        _seed_staff_login(by_ars[MAGDEBURG_ARS])
    result.form_services_skipped, activated = _activate_form_services()
    _seed_notice_template(activated)
    _seed_payments(activated)

    for email, first_name, last_name, role, ars in DEMO_PEOPLE:
        user = User.objects.filter(email__iexact=email).first()
        names = {"first_name": first_name, "last_name": last_name, "is_demo": True}
        if user is None:
            user = user_create(actor=None, email=email, password=password, **names)
        else:
            # Only a different password is set again: setting it always would write an audit
            # record on every run of an unchanged demo.
            new_password = None if user.check_password(password) else password
            user = user_update(
                actor=None, user=user, password=new_password, is_active=True, **names
            )
        organisation = cooperative if role == Role.COOPERATIVE_STAFF else by_ars.get(ars)
        if role is not None and organisation is not None:
            membership_grant(tenant=organisation, actor=None, user=user, role=role)
            # Staff need the second factor (ADR 0020): the published demo secret.
            demo_totp_device_set(user)
        result.logins.append(
            DemoLogin(
                role_label=str(Role(role).label) if role else "Bürgerin/Bürger",
                email=email,
                organisation=organisation.name if role and organisation else "-",
                second_factor=bool(role and organisation),
            )
        )
    _seed_working_group()
    return result
