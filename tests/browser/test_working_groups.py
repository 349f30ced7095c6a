"""A working group in the browser, with axe on every page: the cooperative's staff plan a
meeting and send the invitation, hold it (attendance), put a decision on a framework contract
to the vote and enter the result, write the minutes; the chair (a member's administrator)
approves them; the decision shows on the contract's page (issue 20, "done when")."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from tests.browser.conftest import assert_no_axe_violations, log_in

GROUP_NAME = "Browser-Arbeitskreis E-Rechnung"
CONTRACT_NUMBER = "RV-BROWSER-AK-1"


@pytest.fixture
def committed_group(django_db_blocker, committed_member_admin, committed_cooperative_staff):
    """A group with the member administrator as chair, and a framework contract; removed
    afterwards with what the journey added (meetings, decisions, e-mails, audit records)."""
    from openkommune.tenancy.scoping import scopes_disabled
    from openkommune.workinggroups import services
    from openkommune.workinggroups.constants import ParticipantRole
    from tests.procurement.factories import ContractFactory

    with django_db_blocker.unblock(), scopes_disabled():
        contract = ContractFactory(number=CONTRACT_NUMBER, title="E-Rechnungs-Software")
        group = services.group_create(
            actor=committed_cooperative_staff, name=GROUP_NAME, quorum=1, contracts=[contract]
        )
        services.participant_add(
            group=group,
            actor=committed_cooperative_staff,
            email=committed_member_admin.email,
            role=ParticipantRole.CHAIR,
        )
    yield group, contract
    from openkommune.core.outbox_models import OutboxMail
    from openkommune.procurement.models import FrameworkContract, Supplier
    from openkommune.tenancy.models import AuditRecord, Organisation
    from openkommune.workinggroups.models import WorkingGroup

    with django_db_blocker.unblock(), scopes_disabled():
        OutboxMail.objects.filter(kind="workinggroups.invitation").delete()
        WorkingGroup.objects.filter(name=GROUP_NAME).delete()
        suppliers = list(Supplier.objects.filter(contracts__number=CONTRACT_NUMBER))
        FrameworkContract.objects.filter(number=CONTRACT_NUMBER).delete()
        for supplier in suppliers:
            supplier.delete()
        cooperative = Organisation.objects.filter(is_cooperative=True)
        AuditRecord.objects.filter(tenant__in=cooperative)._raw_delete(using="default")


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


def test_meeting_planned_held_minuted_and_its_decision_on_the_contract_page(
    page, committed_group, committed_member_admin, committed_cooperative_staff, django_db_blocker
):
    _group, contract = committed_group
    now = timezone.now()

    log_in(page, committed_cooperative_staff)
    page.goto("/genossenschaft/arbeitskreise/")
    page.get_by_role("link", name=GROUP_NAME).click()
    assert page.locator("#keine-sitzungen").is_visible()
    assert_no_axe_violations(page)

    # Planned (it began half an hour ago, so it can be held in this test).
    page.get_by_role("link", name="Sitzung planen").click()
    assert_no_axe_violations(page)
    page.get_by_label("Titel", exact=True).fill("Sitzung zum Rahmenvertrag")
    page.get_by_label("Beginn", exact=True).fill(_local(now - datetime.timedelta(minutes=30)))
    page.get_by_label("Ende", exact=True).fill(_local(now + datetime.timedelta(minutes=90)))
    page.get_by_label(re.compile(r"^Ort")).fill("Magdeburg, Sitzungsraum 2")
    page.get_by_label("Tagesordnung").fill("Begrüßung\nRahmenvertrag E-Rechnung")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url(re.compile(r"/sitzungen/[0-9a-f-]+/$"))
    meeting_url = page.url
    assert "Rahmenvertrag E-Rechnung" in page.locator("#tagesordnung").inner_text()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Einladung versenden").click()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Einladung versenden").click()
    page.wait_for_url(meeting_url)
    assert "versendet am" in page.locator("#einladung").inner_text()
    from openkommune.core.outbox_models import OutboxMail
    from openkommune.tenancy.scoping import scopes_disabled

    with django_db_blocker.unblock(), scopes_disabled():
        invitation = OutboxMail.objects.get(kind="workinggroups.invitation")
    assert invitation.recipient == committed_member_admin.email

    # Held: the chair was there.
    page.get_by_label(re.compile(r"Vorsitz\)")).check()
    page.get_by_role("button", name="Anwesenheit speichern").click()
    assert page.locator("#sitzung-status").inner_text() == "durchgeführt"
    assert_no_axe_violations(page)

    # The decision on agenda item 2, linked to the contract, voted in the meeting.
    page.get_by_role("link", name="Beschlussvorschlag zur Abstimmung stellen").click()
    assert_no_axe_violations(page)
    page.get_by_label("Beschluss", exact=True).fill("Beitritt zum Rahmenvertrag empfohlen")
    page.get_by_label("Beschlussvorschlag").fill(
        "Der Arbeitskreis empfiehlt den Mitgliedern den Abruf."
    )
    page.get_by_label(re.compile(r"^Tagesordnungspunkt")).select_option(
        label="TOP 2: Rahmenvertrag E-Rechnung"
    )
    page.get_by_label(re.compile(r"^Rahmenvertrag")).select_option(label=str(contract))
    page.get_by_role("button", name="Zur Abstimmung stellen").click()
    page.wait_for_url(re.compile(r"/beschluesse/[0-9a-f-]+/$"))
    decision_url = page.url
    assert_no_axe_violations(page)
    page.get_by_label("Ja-Stimmen").fill("1")
    page.get_by_label("Nein-Stimmen").fill("0")
    page.get_by_label("Enthaltungen").fill("0")
    page.get_by_role("button", name="Ergebnis feststellen").click()
    page.wait_for_url(decision_url)
    assert page.locator("#ergebnis").inner_text().startswith("angenommen")
    assert CONTRACT_NUMBER in page.locator("#rahmenvertrag").inner_text()
    assert_no_axe_violations(page)

    # Minuted by staff ...
    page.goto(meeting_url)
    page.get_by_role("textbox", name="Protokoll", exact=True).fill(
        "TOP 1: Begrüßung.\nTOP 2: Der Beitritt zum Rahmenvertrag wird empfohlen (1:0:0)."
    )
    page.get_by_role("button", name="Protokoll speichern").click()
    assert page.locator("#protokoll-status").inner_text() == "Entwurf"
    assert "Beitritt zum Rahmenvertrag" in page.locator("#protokoll").inner_text()
    assert_no_axe_violations(page)

    # ... and approved by the chair, a second person.
    page.context.clear_cookies()
    log_in(page, committed_member_admin)
    page.goto("/genossenschaft/arbeitskreise/")
    page.get_by_role("link", name=GROUP_NAME).click()
    assert page.locator("#ihre-rolle").inner_text() == "Vorsitz"
    page.goto(meeting_url)
    page.get_by_role("link", name="Protokoll genehmigen").click()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Protokoll genehmigen").click()
    page.wait_for_url(meeting_url)
    assert page.locator("#protokoll-status").inner_text().startswith("genehmigt")
    assert_no_axe_violations(page)

    # The contract's page (staff) shows the decision.
    page.context.clear_cookies()
    log_in(page, committed_cooperative_staff)
    page.goto(f"/beschaffung/vertraege/{contract.public_id}/")
    section = page.locator("#arbeitskreis-beschluesse")
    assert "Beitritt zum Rahmenvertrag empfohlen" in section.inner_text()
    assert GROUP_NAME in section.inner_text()
    assert "angenommen" in section.inner_text()
    assert_no_axe_violations(page)
