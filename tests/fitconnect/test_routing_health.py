"""Routing health: every (member, activated service) reaches an active destination with
valid keys or a back office someone works; the page for staff and member administrators."""

import base64
import datetime
import logging

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from django.urls import reverse
from django.utils import timezone

from openkommune.catalog.models import LeikaService, ServiceActivation
from openkommune.fitconnect import health
from openkommune.fitconnect.constants import DestinationStatus, KeyUse
from openkommune.fitconnect.models import Destination, DestinationKey
from openkommune.tenancy.constants import Role
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.catalog.factories import LeikaAssignmentFactory, LeikaServiceFactory
from tests.fitconnect.conftest import LEIKA, public_encryption_jwk, run_json
from tests.tenancy.factories import MembershipFactory, cooperative

pytestmark = pytest.mark.django_db
PAGE = reverse("fitconnect_health:routing_health")


def _activate(member, leika_key=LEIKA, name="Gewerbeanmeldung (Test)"):
    service = LeikaService.objects.filter(key=leika_key).first() or LeikaServiceFactory(
        key=leika_key
    )
    assignment = LeikaAssignmentFactory(leika_service=service, ozg_leistung__name=name)
    with scopes_disabled():
        ServiceActivation.objects.create(
            tenant=member, ozg_leistung=assignment.ozg_leistung, is_active=True
        )
    return assignment.ozg_leistung


def _only_route(member):
    routes = health.check_member(member)
    assert len(routes) == 1
    return routes[0]


def _certificate(private_jwk, not_after: datetime.datetime) -> str:
    key = serialization.load_pem_private_key(
        private_jwk.export_to_pem(private_key=True, password=None), password=None
    )
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Demo-Fachverfahren (Test)")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_after - datetime.timedelta(days=365))
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


def test_active_destination_with_valid_keys_is_healthy(member, destination_id):
    _activate(member)
    route = _only_route(member)
    assert route.kind == health.DESTINATION
    assert route.destination_id == destination_id
    assert route.problems == []


def test_back_office_needs_someone_working_the_inbox(member):
    _activate(member)
    route = _only_route(member)
    assert route.kind == health.BACK_OFFICE
    assert [p.what for p in route.problems] == [
        "Niemand bearbeitet den Posteingang: Es gibt keine Person mit der Rolle "
        "Sachbearbeitung oder Mitgliedsverwaltung."
    ]
    assert "Sachbearbeitung anlegen" in route.problems[0].todo
    MembershipFactory(tenant=member, role=Role.CLERK)
    assert _only_route(member).ok


def test_inactive_destination_is_a_problem(member, destination_id):
    _activate(member)
    MembershipFactory(tenant=member, role=Role.CLERK)
    with scopes_disabled():
        Destination.objects.filter(destination_id=destination_id).update(
            status=DestinationStatus.INACTIVE
        )
    route = _only_route(member)
    assert route.kind == health.BACK_OFFICE
    assert (
        route.problems[0].what
        == f"Der Zustellpunkt {destination_id} für diese Leistung ist inaktiv."
    )


def test_missing_signature_key_and_invalid_key(member, jwk_files, small_key):
    enc_file, _sig = jwk_files
    _activate(member)
    run_json(
        "fitconnect_destination",
        "create",
        "--member",
        member.region_ars,
        "--leika",
        LEIKA,
        "--public-key",
        str(enc_file),
    )
    route = _only_route(member)
    assert [p.what for p in route.problems] == ["Kein Signaturschlüssel hinterlegt."]
    assert "rotate-key --use sig" in route.problems[0].todo
    # A key that would no longer pass the checks (e.g. stored before a stricter rule).
    with scopes_disabled():
        DestinationKey.objects.filter(use=KeyUse.ENCRYPTION).update(
            jwk=public_encryption_jwk(small_key)
        )
    whats = [p.what for p in _only_route(member).problems]
    assert whats[0].startswith("Verschlüsselungsschlüssel enc-")
    assert "ist ungültig: Der Schlüssel ist zu kurz: 2048 Bit" in whats[0]


@pytest.mark.parametrize(
    ("days", "expected"),
    [(10, "läuft am"), (-1, "abgelaufen"), (60, None)],
)
def test_key_certificate_expiry(member, destination_id, subscriber_keys, days, expected):
    _activate(member)
    encryption, _signing = subscriber_keys
    not_after = timezone.now() + datetime.timedelta(days=days)
    with scopes_disabled():
        key = DestinationKey.objects.get(use=KeyUse.ENCRYPTION)
        key.jwk = {**key.jwk, "x5c": [_certificate(encryption, not_after)]}
        key.save()
    problems = _only_route(member).problems
    if expected is None:
        assert problems == []
    else:
        assert len(problems) == 1
        assert expected in problems[0].what
        assert not_after.date().isoformat() in problems[0].what


def test_daily_job_logs_problems(member, other_member, caplog):
    _activate(member)
    _activate(other_member, leika_key="99050012104001", name="Hundesteuer (Test)")
    MembershipFactory(tenant=other_member, role=Role.CLERK)
    with caplog.at_level(logging.WARNING, logger="openkommune.fitconnect.health"):
        assert health.daily_check() == 1
    assert member.region_ars in caplog.text
    assert other_member.region_ars not in caplog.text


def test_page_for_staff_member_admin_and_nobody_else(client, member, other_member):
    _activate(member)
    _activate(other_member, leika_key="99050012104001", name="Hundesteuer (Test)")
    # Anonymous: login.
    assert client.get(PAGE).status_code == 302
    # A clerk may not.
    clerk = UserFactory()
    MembershipFactory(tenant=member, user=clerk, role=Role.CLERK)
    client.force_login(clerk)
    assert client.get(PAGE).status_code == 403
    # Member admin: own problems only (the clerk above works the inbox: no problem left).
    admin = UserFactory()
    MembershipFactory(tenant=member, user=admin, role=Role.MEMBER_ADMIN)
    client.force_login(admin)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Keine Probleme gefunden" in page.text
    assert "1 von 1 Zustellwegen sind in Ordnung." in page.text
    assert "Hundesteuer (Test)" not in page.text
    # Cooperative staff: every member.
    staff = UserFactory()
    MembershipFactory(tenant=cooperative(), user=staff, role=Role.COOPERATIVE_STAFF)
    client.force_login(staff)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Hundesteuer (Test)" in page.text
    assert other_member.name in page.text
    assert "Niemand bearbeitet den Posteingang" in page.text
    assert "1 von 2 Zustellwegen sind in Ordnung." in page.text
    assert page["Cache-Control"].startswith("max-age=0")


def test_member_admins_find_the_page_in_their_navigation(client, member):
    admin = UserFactory()
    MembershipFactory(tenant=member, user=admin, role=Role.MEMBER_ADMIN)
    client.force_login(admin)
    page = client.get(PAGE)
    assert 'id="nav-zustellwege"' in page.text
    assert f'href="{PAGE}" aria-current="page"' in page.text


def test_a_service_sent_to_an_external_zustelldienst_shows_failed_deliveries(member):
    import uuid

    from openkommune.fitconnect import outbound
    from openkommune.fitconnect.models import OutboundSubmission

    _activate(member)
    MembershipFactory(tenant=member, role=Role.CLERK)
    route = outbound.create_external_destination(
        tenant=member,
        leika_keys=[LEIKA],
        destination_id=str(uuid.uuid4()),
        api_url="https://zustelldienst.example/api",
        token_url="https://zustelldienst.example/token",
        client_id="sender-1",
        secret="geheim-" + uuid.uuid4().hex,
    )
    found = _only_route(member)
    assert (found.kind, found.destination_id, found.ok) == (
        health.EXTERNAL,
        str(route.destination_id),
        True,
    )
    with scopes_disabled():
        OutboundSubmission.objects.create(
            tenant=member,
            route=route,
            application_public_id=uuid.uuid4(),
            service_identifier="urn:de:fim:leika:leistung:" + LEIKA,
            state="failed",
        )
    (problem,) = _only_route(member).problems
    assert "1 Zustellungen an den externen Zustellpunkt sind gescheitert" in problem.what
    assert "fitconnect_external retry" in problem.todo
