"""The demo on the real directory imported for the test session (tests/conftest.py)."""

import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import override_settings

from openkommune.accounts.models import User
from openkommune.cases.models import NoticeTemplate, ServiceDeadline
from openkommune.cases.services.notice_texts import unknown_placeholders
from openkommune.catalog.models import ServiceActivation
from openkommune.demo.services import DEMO_WORKING_GROUP_PEOPLE
from openkommune.fachverfahren.models import Fachverfahren, Subscription
from openkommune.regions.constants import RegionLevel
from openkommune.regions.models import Region
from openkommune.tenancy.constants import OrganisationKind, Role
from openkommune.tenancy.models import AuditRecord, Membership, Organisation
from openkommune.tenancy.scoping import scopes_disabled
from openkommune.tenancy.selectors import user_is_cooperative_staff, user_memberships
from openkommune.website.models import NewsPost
from openkommune.workinggroups.models import WorkingGroup
from tests.tenancy.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

DEMO_CLERK = "sachbearbeitung.magdeburg@demo.example.org"


def load(*args, **kwargs):
    with override_settings(DEMO_MODE=True):
        call_command("load_demo", *args, verbosity=kwargs.pop("verbosity", 0), **kwargs)


def counts():
    with scopes_disabled():
        return (
            Organisation.objects.count(),
            User.objects.count(),
            Membership.objects.count(),
            AuditRecord.objects.count(),
        )


def test_refuses_without_demo_mode():
    with override_settings(DEMO_MODE=False), pytest.raises(CommandError, match="--force"):
        call_command("load_demo", verbosity=0)
    assert not User.objects.filter(is_demo=True).exists()
    assert not Organisation.objects.exists()


def test_force_runs_without_demo_mode():
    with override_settings(DEMO_MODE=False):
        call_command("load_demo", "--force", verbosity=0)
    assert User.objects.filter(email=DEMO_CLERK).exists()


def test_creates_cooperative_and_real_authorities_of_saxony_anhalt():
    load()
    cooperative = Organisation.objects.get(is_cooperative=True)
    assert cooperative.name == "OpenKommune Demo-Genossenschaft eG"
    assert cooperative.kind == OrganisationKind.GENOSSENSCHAFT
    assert not Organisation.objects.filter(is_demo=False).exists()
    assert Organisation.objects.filter(kind=OrganisationKind.LANDKREIS).count() == 11
    assert Organisation.objects.filter(kind=OrganisationKind.KREISFREIE_STADT).count() == 3

    magdeburg = Organisation.objects.get(region_ars="150030000000")
    assert magdeburg.name == "Landeshauptstadt Magdeburg"
    assert (magdeburg.city, magdeburg.postcode, magdeburg.street) == ("Magdeburg", "39104", "")
    assert magdeburg.email == "demo-150030000000@example.org"

    barleben = Organisation.objects.get(region_ars="150830040040")
    assert (barleben.name, barleben.kind) == ("Gemeinde Barleben", OrganisationKind.GEMEINDE)
    assert barleben.postcode == "39179"
    koethen = Organisation.objects.get(kind=OrganisationKind.STADT, city="Köthen (Anhalt)")
    assert koethen.name == "Stadt Köthen (Anhalt)"
    anhalt_bitterfeld = Organisation.objects.get(region_ars="150820000000")
    assert anhalt_bitterfeld.name == "Landkreis Anhalt-Bitterfeld"
    assert anhalt_bitterfeld.city == "Köthen (Anhalt)"
    # Every key is one of the imported official units.
    official = set(Region.objects.values_list("ars", flat=True))
    keys = Organisation.objects.exclude(region_ars="").values_list("region_ars", flat=True)
    assert set(keys) <= official
    assert all(o.email.endswith("example.org") for o in Organisation.objects.all())


def test_demo_people_have_their_roles_and_can_log_in():
    load("--password", "anderes-demo-passwort")
    clerk = authenticate(username=DEMO_CLERK, password="anderes-demo-passwort")
    assert clerk is not None
    assert clerk.is_demo
    assert clerk.password.startswith("argon2")
    [membership] = user_memberships(clerk)
    assert (membership.tenant.region_ars, membership.role) == ("150030000000", Role.CLERK)

    admin = User.objects.get(email="mitgliedsverwaltung.magdeburg@demo.example.org")
    assert [m.role for m in user_memberships(admin)] == [Role.MEMBER_ADMIN]
    ab_clerk = User.objects.get(email="sachbearbeitung.anhalt-bitterfeld@demo.example.org")
    assert user_memberships(ab_clerk)[0].tenant.region_ars == "150820000000"
    assert user_is_cooperative_staff(User.objects.get(email="genossenschaft@demo.example.org"))
    assert user_memberships(User.objects.get(email="buerger@demo.example.org")) == []


def test_password_from_settings(settings):
    # settings.DEMO_PASSWORD is read from OPENKOMMUNE_DEMO_PASSWORD by the env helper.
    settings.DEMO_PASSWORD = "aus-der-umgebung"
    load()
    assert authenticate(username=DEMO_CLERK, password="aus-der-umgebung") is not None


def test_idempotent_second_run_duplicates_nothing():
    load()
    first = counts()
    news = NewsPost.objects.count()
    load()
    assert counts() == first  # same rows, and no audit noise for unchanged data
    assert NewsPost.objects.count() == news


def test_demo_news_and_office_say_they_are_demo_content(client):
    load()
    posts = list(NewsPost.objects.all())
    assert len(posts) == 3
    assert all(post.is_demo and post.is_public for post in posts)
    assert all(post.title.startswith("Demo:") for post in posts)
    assert all("erfundene Meldung" in post.body for post in posts)
    rows = list(Fachverfahren.objects.all())
    assert {row.name for row in rows} == {"Demo-Einwohnerwesen", "Demo-Finanzwesen"}
    assert all(row.is_demo and "erfunden" in row.vendor for row in rows)
    with scopes_disabled():
        assert Subscription.objects.filter(tenant__region_ars="150030000000").count() == 2
    page = client.get("/genossenschaft/kontakt/").text
    assert "Musterstraße 1" in page
    assert 'id="demo-anschrift"' in page
    group = WorkingGroup.objects.get()
    assert group.is_demo
    assert "(Demo)" in group.name
    roles = {p.user.email: p.role for p in group.participants.all()}
    assert roles == dict(DEMO_WORKING_GROUP_PEOPLE)
    assert all(m.title.endswith("(Demo)") for m in group.meetings.all())
    assert not group.meetings.get().invited_at  # the demo sends no invitations


def test_demo_member_gets_a_marked_hundesteuer_notice_template_and_no_deadline():
    """The notice template is seeded, clearly marked; no service gets a legal deadline: the
    demo services have none that could be named with its legal basis."""
    load()
    with scopes_disabled():
        (template,) = NoticeTemplate.objects.all()
        assert not ServiceDeadline.objects.exists()
        activation = ServiceActivation.objects.get(
            tenant=template.tenant, ozg_leistung=template.ozg_leistung
        )
    assert template.ozg_leistung.ozg_id == "10160"
    assert template.tenant.region_ars == "150030000000"  # Landeshauptstadt Magdeburg
    assert template.tenant.is_demo
    assert activation.is_active
    assert template.decision == ""
    assert "(Demo)" in template.title
    assert "[DEMO:" in template.body
    assert "[DEMO-BEISPIEL" in template.body  # the remedy is an unchecked example
    assert unknown_placeholders(f"{template.title} {template.body}") == []


def test_second_run_repairs_changed_demo_data():
    load()
    magdeburg = Organisation.objects.get(region_ars="150030000000")
    Organisation.objects.filter(pk=magdeburg.pk).update(name="kaputt")
    load("--password", "neues-demo-passwort")
    magdeburg.refresh_from_db()
    assert magdeburg.name == "Landeshauptstadt Magdeburg"
    assert authenticate(username=DEMO_CLERK, password="neues-demo-passwort") is not None


def test_prints_the_demo_logins(capsys):
    load(verbosity=1)
    out = capsys.readouterr().out
    assert "Rolle" in out
    assert "E-Mail-Adresse" in out
    assert DEMO_CLERK in out
    assert "Landeshauptstadt Magdeburg" in out
    assert "demo-openkommune" in out


def test_without_regions_fails_with_a_clear_message():
    # Simulate a database where import_regions has not run for Saxony-Anhalt.
    Region.objects.filter(land_code="15", level=RegionLevel.KREIS).update(land_code="98")
    with pytest.raises(CommandError, match="import_regions"):
        load()
    assert not Organisation.objects.exists()


def test_never_touches_a_real_cooperative():
    OrganisationFactory(cooperative=True, is_demo=False, name="Echte eG")
    with pytest.raises(CommandError, match="echte"):
        load()
    assert Organisation.objects.get(is_cooperative=True).name == "Echte eG"


def test_demo_offers_online_only_what_has_a_way_to_apply():
    """Wohnsitzmeldungen has no platform form and no link: its contact data are kept, but it
    is not online (it was before the rule: a second run switches it off); the Hundesteuer
    has its form."""
    load()
    magdeburg = Organisation.objects.get(region_ars="150030000000", is_demo=True)
    with scopes_disabled():
        rows = ServiceActivation.objects.filter(tenant=magdeburg)
        wohnsitz = rows.get(ozg_leistung__ozg_id="10124")
        assert not wohnsitz.is_active
        assert wohnsitz.contact_name == "Bürgerbüro (Demo)"
        assert rows.get(ozg_leistung__ozg_id="10160").is_active
        # A database from before the rule: the loader repairs it.
        rows.filter(pk=wohnsitz.pk).update(is_active=True)
    load()
    with scopes_disabled():
        wohnsitz.refresh_from_db()
    assert not wohnsitz.is_active


def test_demo_staff_log_in_with_the_printed_demo_totp_secret(client, capsys):
    """Issue 15 part 5: the demo stays usable with the mandatory second factor; the secret
    is printed with the demo logins, labelled demo, and the citizen has none."""
    from tests.support.totp import time_step, totp_at_step

    load(verbosity=1)
    out = capsys.readouterr().out
    match = re.search(r"nur Demo, öffentlich bekannt\): Schlüssel ([A-Z2-7 ]+) –", out)
    assert match
    secret = match.group(1).replace(" ", "")
    clerk_line = next(line for line in out.splitlines() if DEMO_CLERK in line)
    assert "Demo-TOTP" in clerk_line
    citizen_line = next(line for line in out.splitlines() if "buerger@demo" in line)
    assert "Demo-TOTP" not in citizen_line

    client.post("/konto/anmelden/", {"username": DEMO_CLERK, "password": "demo-openkommune"})
    assert client.get("/behoerde/eingang/").status_code == 302
    response = client.post(
        "/konto/zwei-faktor/", {"code": totp_at_step(secret, time_step()), "next": "/"}
    )
    assert response.status_code == 302
    assert client.get("/behoerde/eingang/").status_code == 200


def test_demo_totp_code_command_prints_the_current_code(capsys):
    from tests.support.totp import time_step, totp_at_step

    load()
    capsys.readouterr()
    before = time_step()
    call_command("demo_totp_code")
    out = capsys.readouterr().out
    secret = re.search(r"Demo-Schlüssel ([A-Z2-7 ]+)\)", out).group(1).replace(" ", "")
    code = re.search(r"gültig\): (\d{6})", out).group(1)
    assert code in {totp_at_step(secret, before), totp_at_step(secret, time_step())}
