"""The member administrator's FIT-Connect pages in a real browser, each checked with axe-core:
empty lists, a destination registered by uploading public JWK files (with a refused key
first), key rotation, an API client with its secret shown once, revocation after a
confirmation."""

import json
import re

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in


@pytest.fixture
def jwk_files(tmp_path):
    from jwcrypto import jwk

    files = {}
    for name, size, alg, ops in (
        ("enc", 4096, "RSA-OAEP-256", ["wrapKey"]),
        ("enc2", 4096, "RSA-OAEP-256", ["wrapKey"]),
        ("small", 2048, "RSA-OAEP-256", ["wrapKey"]),
    ):
        key = jwk.JWK.generate(kty="RSA", size=size, kid=f"browser-{name}")
        public = key.export_public(as_dict=True) | {"kid": f"browser-{name}", "alg": alg}
        public["key_ops"] = ops
        path = tmp_path / f"{name}.jwk"
        path.write_text(json.dumps(public))
        files[name] = path
    return files


@pytest.fixture
def fitconnect_cleanup(django_db_blocker, committed_member):
    yield
    from openkommune.fitconnect.models import AccessToken, Client, Destination, DestinationKey
    from openkommune.tenancy.scoping import scopes_disabled

    with django_db_blocker.unblock(), scopes_disabled():
        AccessToken.objects.filter(client__tenant=committed_member).delete()
        Client.objects.filter(tenant=committed_member).delete()
        DestinationKey.objects.filter(destination__tenant=committed_member).delete()
        Destination.objects.filter(tenant=committed_member).delete()


def test_member_admin_registers_a_destination_and_a_client(
    page, committed_member_admin, fitconnect_cleanup, jwk_files
):
    log_in(page, committed_member_admin)
    page.goto("/konto/")
    page.locator("#verwaltung").get_by_role(
        "link", name="FIT-Connect: Zustellpunkte und API-Clients"
    ).click()
    assert page.locator("#keine-zustellpunkte").is_visible()
    assert page.locator("#keine-clients").is_visible()
    assert_no_axe_violations(page)

    # A key that is too short: the German error at the field, nothing stored.
    page.get_by_role("link", name="Zustellpunkt anlegen").click()
    assert_no_axe_violations(page)
    form = page.locator("#zustellpunkt-form")
    form.get_by_label("LeiKa-Schlüssel der Leistungen").fill("99102013000000")
    form.get_by_label("Öffentlicher Verschlüsselungsschlüssel (JWK-Datei)").set_input_files(
        str(jwk_files["small"])
    )
    form.get_by_role("button", name="Anlegen").click()
    assert page.locator("#fehlerzusammenfassung").is_visible()
    assert "zu kurz" in page.locator("#fehlerzusammenfassung").inner_text()
    assert form.get_by_label("LeiKa-Schlüssel der Leistungen").input_value() == "99102013000000"
    assert_no_axe_violations(page)
    form.get_by_label("Öffentlicher Verschlüsselungsschlüssel (JWK-Datei)").set_input_files(
        str(jwk_files["enc"])
    )
    form.get_by_role("button", name="Anlegen").click()
    page.wait_for_url(re.compile(r"/schnittstellen/fit-connect/$"))
    assert "browser-enc" in page.locator("#zustellpunkte").inner_text()
    assert_no_axe_violations(page)

    # Rotate the encryption key.
    page.get_by_role("link", name=re.compile("Schlüssel wechseln")).click()
    assert_no_axe_violations(page)
    page.get_by_label("Neuer öffentlicher Schlüssel (JWK-Datei)").set_input_files(
        str(jwk_files["enc2"])
    )
    page.locator("#schluessel-form").get_by_role("button", name="Schlüssel wechseln").click()
    page.wait_for_url(re.compile(r"/schnittstellen/fit-connect/$"))
    keys = page.locator("#zustellpunkte").inner_text()
    assert "browser-enc2" in keys
    assert "browser-enc\n" not in keys + "\n"

    # An API client: the secret shown once, then revoked after a confirmation.
    page.get_by_role("link", name="API-Client anlegen").click()
    assert_no_axe_violations(page)
    page.get_by_label("Rolle").select_option("subscriber")
    page.locator("#client-form").get_by_role("button", name="Anlegen").click()
    secret = page.locator("#client-geheimnis").input_value()
    assert len(secret) >= 40
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Zurück zu FIT-Connect").click()
    assert secret not in page.content()
    page.get_by_role("link", name=re.compile("Widerrufen")).click()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Ja, widerrufen").click()
    assert "widerrufen am" in page.locator("#clients").inner_text()


@pytest.fixture
def external_cleanup(django_db_blocker, committed_member):
    yield
    from openkommune.fitconnect.models import ExternalDestination
    from openkommune.tenancy.scoping import scopes_disabled

    with django_db_blocker.unblock(), scopes_disabled():
        ExternalDestination.objects.filter(tenant=committed_member).delete()


def test_member_admin_enters_a_destination_at_an_external_zustelldienst(
    page, committed_member_admin, external_cleanup
):
    # ADR 0043: the sender route's pages, each checked with axe; the secret is never shown.
    secret = "browser-geheimnis-0123456789"
    log_in(page, committed_member_admin)
    page.goto("/schnittstellen/fit-connect/")
    assert page.locator("#keine-externen").is_visible()
    assert_no_axe_violations(page)
    page.locator("#extern-anlegen").click()
    assert_no_axe_violations(page)
    form = page.locator("#external-form")
    form.get_by_label("LeiKa-Schlüssel der Leistungen").fill("99102013000000")
    form.get_by_label("Zustellpunkt-ID beim Zustelldienst").fill(
        "5a1d1f4e-2b0c-4e3d-9a51-0c7f3b2e8d61"
    )
    form.get_by_label("Adresse der Submission API").fill("https://zustelldienst.example.org")
    form.get_by_label("Adresse des Token-Endpunkts").fill("https://auth.example.org/token")
    form.get_by_label("Client-ID des Senders").fill("sender-browser")
    # Without the secret: the German error, nothing stored, the other answers kept.
    form.get_by_role("button", name="Eintragen").click()
    assert "Client-Secret" in page.locator("#fehlerzusammenfassung").inner_text()
    assert form.get_by_label("Client-ID des Senders").input_value() == "sender-browser"
    assert_no_axe_violations(page)
    form.get_by_label("Client-Secret des Senders").fill(secret)
    form.get_by_role("button", name="Eintragen").click()
    page.wait_for_url(re.compile(r"/schnittstellen/fit-connect/$"))
    routes = page.locator("#externe-zustellpunkte").inner_text()
    assert "5a1d1f4e-2b0c-4e3d-9a51-0c7f3b2e8d61" in routes
    assert "sender-browser" in routes
    assert secret not in page.content()
    assert_no_axe_violations(page)
    page.get_by_role("link", name=re.compile("Client-Secret ersetzen")).click()
    assert_no_axe_violations(page)
    page.get_by_label("Neues Client-Secret des Senders").fill(secret + "-neu")
    page.locator("#external-secret-form").get_by_role("button").click()
    page.wait_for_url(re.compile(r"/schnittstellen/fit-connect/$"))
    assert secret not in page.content()
