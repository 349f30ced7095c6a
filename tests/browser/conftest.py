"""Browser tests: Playwright (Python) driving Debian's Chromium, axe-core from npm.

The live server runs in a thread with its own database connection, so it sees the reference
data committed by the session setup (tests/conftest.py) but not rows a test creates inside its
rolled-back transaction. Rows a journey needs are committed by `committed` fixtures here and
removed afterwards, so later tests see the database as before.
"""

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("OPENKOMMUNE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser(site_server):
    # Depends on the server so that it closes first: its hang-up ends the keep-alive
    # request threads of the server, which then close their database connections.
    # A missing browser is a setup error, never a silent skip: `make test` installs it.
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(f"Chromium not found at {CHROMIUM}; run `make test` to install it.")
    if not AXE_JS.exists():
        pytest.fail(f"axe-core not found at {AXE_JS}; run `make deps` (npm ci).")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's async-safety check
    # would otherwise refuse ORM calls from browser tests. Only while the browser is open.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def site_server(django_db_setup, django_db_blocker):
    """The site served from a thread, for the whole browser session.

    pytest-django's `live_server` would force `transactional_db`, which empties every table
    after each test and so would remove the reference data imported once per session.
    """
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    with django_db_blocker.unblock():
        server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        yield f"http://127.0.0.1:{server.port}"
        server.terminate()
        _wait_for_request_threads_to_disconnect()


def _wait_for_request_threads_to_disconnect(timeout: float = 10.0) -> None:
    """Request threads of the threaded test server serve keep-alive connections and close
    their database connection only when the browser hangs up. PostgreSQL refuses to drop the
    test database while any of them is still connected, so wait until they are gone."""
    import time

    from django.db import connection

    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.2)
    # Still connected after the timeout: only this session's server threads use the test
    # database, so end their backends rather than fail the drop at teardown.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def page(browser, site_server):
    context = browser.new_context(locale="de-DE", base_url=site_server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    csp_violations: list[str] = []
    page.on(
        "console",
        lambda msg: (
            csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    page.csp_violations = csp_violations
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    """Run axe-core in the page for WCAG 2.1 A/AA and return the violations.

    The script is evaluated through the DevTools protocol rather than injected as a <script>
    element, so the page's Content-Security-Policy stays in force during the test.
    """
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_21_AA,
    )
    return result["violations"]


def assert_no_axe_violations(page) -> None:
    violations = axe_violations(page)
    summary = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]][:5],
        }
        for v in violations
    ]
    assert violations == [], json.dumps(summary, indent=2, ensure_ascii=False)


@pytest.fixture
def committed_clerk(django_db_blocker):
    """A clerk with a membership, committed so the live server sees it; removed afterwards."""
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.accounts.factories import UserFactory

    with django_db_blocker.unblock(), scopes_disabled():
        user = UserFactory(clerk=True, email="browser.clerk@test.example.org")
        organisation = user.memberships.get().tenant
    yield user, organisation
    with django_db_blocker.unblock(), scopes_disabled():
        user.delete()
        organisation.delete()


@pytest.fixture
def committed_member(django_db_blocker):
    """Landeshauptstadt Magdeburg as a member with contact data (demo values), committed."""
    from openkommune.tenancy.constants import OrganisationKind
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.tenancy.factories import OrganisationFactory

    with django_db_blocker.unblock(), scopes_disabled():
        organisation = OrganisationFactory(
            name="Landeshauptstadt Magdeburg",
            short_name="Magdeburg",
            kind=OrganisationKind.KREISFREIE_STADT,
            region_ars="150030000000",
            postcode="39104",
            city="Magdeburg",
            email="demo-150030000000@example.org",
            phone="0391 000000",
        )
    yield organisation
    with django_db_blocker.unblock(), scopes_disabled():
        organisation.delete()


@pytest.fixture
def committed_member_admin(django_db_blocker, committed_member):
    """A member administrator of the committed member organisation; removed afterwards."""
    from openkommune.catalog.models import ServiceActivation
    from openkommune.tenancy.constants import Role
    from openkommune.tenancy.models import AuditRecord
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.accounts.factories import UserFactory
    from tests.tenancy.factories import MembershipFactory

    with django_db_blocker.unblock(), scopes_disabled():
        user = UserFactory(email="browser.admin@test.example.org")
        MembershipFactory(tenant=committed_member, user=user, role=Role.MEMBER_ADMIN)
    yield user
    with django_db_blocker.unblock(), scopes_disabled():
        ServiceActivation.objects.filter(tenant=committed_member).delete()
        # Audit records are append-only in the application; the test removes its own rows
        # with a raw delete so the organisation can go again.
        AuditRecord.objects.filter(tenant=committed_member)._raw_delete(using="default")
        user.delete()


@pytest.fixture
def committed_cooperative_staff(django_db_blocker):
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.accounts.factories import UserFactory

    with django_db_blocker.unblock(), scopes_disabled():
        user = UserFactory(cooperative_staff=True, email="browser.staff@test.example.org")
        cooperative = user.memberships.get().tenant
    yield user
    with django_db_blocker.unblock(), scopes_disabled():
        user.delete()
        cooperative.delete()


def log_in(page, user) -> None:
    """The real login: password, then for staff the second factor (ADR 0020) as a person
    does it: on the first login set up the app from the secret shown as text, later type the
    app's current code (computed here from the secret, RFC 6238)."""
    from tests.accounts.factories import PASSWORD

    page.goto("/konto/anmelden/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/(konto/zwei-faktor/.*)?$"))
    if "/konto/zwei-faktor/" in page.url:
        complete_second_factor(page, user)
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))


# Secret and last used time step per e-mail address, noted at set-up, for later logins of
# the same person in this session (the device accepts each step once).
_SECOND_FACTORS: dict[str, list] = {}


def complete_second_factor(page, user) -> None:
    from tests.support.totp import time_step, totp_at_step

    setting_up = page.locator("#totp-secret").count() > 0
    if setting_up:
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        step = time_step()
    else:
        secret, last = _SECOND_FACTORS[user.email]
        # The device also accepts the next step; beyond that, wait for it.
        step = max(time_step(), last + 1)
        while step > time_step() + 1:
            time.sleep(1)
    _SECOND_FACTORS[user.email] = [secret, step]
    page.locator("#id_code").fill(totp_at_step(secret, step))
    page.locator("#zwei-faktor-form button[type=submit]").click()
    if setting_up:
        page.wait_for_url(re.compile(r"/konto/zwei-faktor/codes/"))
        # By its id: the label is translated when the browser asks for English.
        page.locator("#codes-gesichert").click()


@pytest.fixture
def committed_procurement_clerk(django_db_blocker, committed_member):
    """A clerk of the committed member organisation, for call-offs; removed afterwards."""
    from openkommune.tenancy.constants import Role
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.accounts.factories import UserFactory
    from tests.tenancy.factories import MembershipFactory

    with django_db_blocker.unblock(), scopes_disabled():
        user = UserFactory(
            email="browser.beschaffung@test.example.org",
            first_name="Beschaffung",
            last_name="Sachbearbeitung",
        )
        MembershipFactory(tenant=committed_member, user=user, role=Role.CLERK)
    yield user
    with django_db_blocker.unblock(), scopes_disabled():
        user.delete()


@pytest.fixture
def committed_procurement_cleanup(
    django_db_blocker, committed_member_admin, committed_procurement_clerk,
    committed_cooperative_staff,
):  # fmt: skip
    """Enters the member in the register (only current members call off, issue 19); removes
    what a procurement journey committed through the pages (contracts, suppliers, call-offs
    and their audit records) and the register entry before the people and organisations go."""
    from openkommune.members.models import CooperativeMember
    from openkommune.tenancy.scoping import scopes_disabled as _unscoped
    from tests.members.factories import register

    with django_db_blocker.unblock(), _unscoped():
        member = committed_procurement_clerk.memberships.get().tenant
        register(member)
    yield
    with django_db_blocker.unblock(), _unscoped():
        CooperativeMember.objects.filter(organisation=member).delete()
    from openkommune.procurement.models import (
        CallOff,
        FrameworkContract,
        MemberProcurementSettings,
        Supplier,
    )
    from openkommune.tenancy.models import AuditRecord, Organisation
    from openkommune.tenancy.scoping import scopes_disabled

    with django_db_blocker.unblock(), scopes_disabled():
        CallOff.objects.filter(reference__startswith="AB-").filter(
            tenant__memberships__user=committed_procurement_clerk
        ).delete()
        MemberProcurementSettings.objects.filter(
            tenant__memberships__user=committed_procurement_clerk
        ).delete()
        FrameworkContract.objects.filter(number__startswith="RV-BROWSER-").delete()
        Supplier.objects.filter(name__startswith="Browser-Lieferant").delete()
        cooperative = Organisation.objects.filter(is_cooperative=True)
        AuditRecord.objects.filter(tenant__in=cooperative)._raw_delete(using="default")


def _delete_back_office_rows(organisation) -> None:
    """What the back office wrote for `organisation`: cases with their notes, documents,
    messages, notices and the (append-only, hence raw-deleted) event chain."""
    from openkommune.cases.models import (
        AuditChainHead,
        Case,
        CaseDocument,
        CaseEvent,
        CaseNote,
        Message,
        MessageAttachment,
        Notice,
    )

    MessageAttachment.objects.filter(tenant=organisation).delete()
    Notice.objects.filter(tenant=organisation).delete()
    Message.objects.filter(tenant=organisation).delete()
    CaseNote.objects.filter(tenant=organisation).delete()
    CaseDocument.objects.filter(tenant=organisation).delete()
    CaseEvent.objects.filter(tenant=organisation)._raw_delete(using="default")
    Case.objects.filter(tenant=organisation).delete()
    AuditChainHead.objects.filter(tenant=organisation).delete()


def _delete_applications_of(organisation) -> None:
    """Drafts, applications and their files, timeline, e-mail records, cases and audit records
    that a citizen journey committed for `organisation` (the files live in a temporary
    folder)."""
    from openkommune.core.models import OutboxMail
    from openkommune.submissions.models import (
        Application,
        ApplicationEvent,
        Attachment,
        Draft,
    )
    from openkommune.tenancy.models import AuditRecord

    _delete_back_office_rows(organisation)
    Attachment.objects.filter(tenant=organisation).delete()
    OutboxMail.objects.filter(tenant=organisation).delete()
    ApplicationEvent.objects.filter(tenant=organisation).delete()
    Application.objects.filter(tenant=organisation).delete()
    Draft.objects.filter(tenant=organisation).delete()
    AuditRecord.objects.filter(tenant=organisation)._raw_delete(using="default")


@pytest.fixture
def committed_hundesteuer_offer(django_db_blocker, committed_member, settings, tmp_path):
    """The committed Magdeburg member offers Hundehaltung (OZG 10160, form `hundesteuer`,
    loaded by the session set-up) online with demo parameters. Uploads and receipts go to a
    temporary folder and jobs (e-mails) run at once; the live server shares these settings.
    What the journey committed is removed afterwards."""
    from openkommune.catalog.models import ServiceActivation
    from openkommune.catalog.selectors import ozg_leistung_get
    from openkommune.catalog.services import service_activation_set
    from openkommune.tenancy.scoping import scopes_disabled

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with django_db_blocker.unblock(), scopes_disabled():
        service_activation_set(
            tenant=committed_member,
            actor=None,
            ozg_leistung=ozg_leistung_get(ozg_id="10160"),
            is_active=True,
            contact_email="demo-hundesteuer@example.org",
            fee=None,
            processing_time="etwa zwei Wochen (Demo-Angabe)",
            citizen_notes="Demo-Hinweis: Halten Sie die Chipnummer Ihres Hundes bereit.",
        )
    yield committed_member
    with django_db_blocker.unblock(), scopes_disabled():
        _delete_applications_of(committed_member)
        ServiceActivation.objects.filter(tenant=committed_member).delete()


@pytest.fixture
def committed_citizen(django_db_blocker, committed_hundesteuer_offer):
    """A citizen account without any organisation; its drafts go before it does."""
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.accounts.factories import UserFactory

    with django_db_blocker.unblock(), scopes_disabled():
        user = UserFactory(email="browser.buergerin@test.example.org", first_name="Erika")
    yield user
    with django_db_blocker.unblock(), scopes_disabled():
        _delete_applications_of(committed_hundesteuer_offer)
        user.delete()
