"""The account page lists the notices and messages of all the user's applications in one
place (issue 14, part 3b): newest first, with links to the mailbox pages, empty states and
pages; nothing of another person's applications."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from openkommune.cases.constants import Decision
from openkommune.cases.models import Message
from openkommune.cases.services.messaging import message_send_to_applicant
from openkommune.cases.services.notices import notice_issue
from openkommune.tenancy.scoping import scope
from tests.accounts.factories import UserFactory
from tests.cases.test_messages_support import (  # noqa: F401  (fixtures)
    immediate_tasks,
    mailbox_urls,
    make_setting,
    private_media,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_media", "immediate_tasks", "mailbox_urls"),
]

OVERVIEW = "/konto/"


def _ask(setting, body: str) -> Message:
    return message_send_to_applicant(
        tenant=setting.tenant, actor=setting.clerk, case=setting.case, body=body
    )


def test_empty_states_when_nothing_arrived_yet(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(OVERVIEW).text
    assert 'id="keine-bescheide"' in page
    assert 'id="keine-nachrichten"' in page
    assert 'id="keine-antraege"' in page


def test_notices_and_messages_of_the_users_applications_newest_first_with_links(client):
    user = UserFactory()
    first = make_setting(user=user)
    second = make_setting(user=user)
    stranger = make_setting(user=UserFactory())
    _ask(first, "Bitte reichen Sie den Impfpass nach.")
    _ask(second, "Wie heißt Ihr Hund?")
    _ask(stranger, "Geheime Frage an jemand anderen.")
    notice_issue(
        tenant=first.tenant,
        actor=first.clerk,
        case=first.case,
        decision=Decision.APPROVED,
        reason="Alles belegt.",
    )

    client.force_login(user)
    response = client.get(OVERVIEW)
    page = response.text
    section = next(s for s in response.context["sections"] if "notices" in s.context)
    messages = list(section.context["messages"])
    assert [m.case.reference for m in messages] == [second.reference, first.reference]
    assert "Geheime Frage" not in page
    assert 'id="bescheide-nachrichten"' in page
    assert reverse("mailbox:messages", args=[second.reference]) + "#verlauf" in page
    assert "Wie heißt Ihr Hund?" in page
    assert "ungelesen" in page
    notices = list(section.context["notices"])
    assert [n.case.reference for n in notices] == [first.reference]
    assert reverse("mailbox:notices", args=[first.reference]) in page
    assert notices[0].title in page
    assert 'id="keine-bescheide"' not in page
    # The user's applications are listed in the same page.
    assert reverse("submissions:status", args=[first.reference]) in page


def test_many_messages_come_in_pages(client):
    user = UserFactory()
    setting = make_setting(user=user)
    for number in range(12):
        _ask(setting, f"Frage Nummer {number}")
    # Spread the send times so the order is certain.
    with scope(tenant=setting.tenant):
        base = timezone.now() - datetime.timedelta(days=1)
        for offset, message in enumerate(Message.objects.order_by("id")):
            Message.objects.filter(pk=message.pk).update(
                sent_at=base + datetime.timedelta(minutes=offset)
            )
    client.force_login(user)
    first_page = client.get(OVERVIEW).text
    assert "Frage Nummer 11" in first_page
    assert "Frage Nummer 1<" not in first_page
    assert "Frage Nummer 0" not in first_page
    assert "nachrichten_seite=2" in first_page
    second_page = client.get(OVERVIEW, {"nachrichten_seite": "2"}).text
    assert "Frage Nummer 0" in second_page
    assert "Frage Nummer 11" not in second_page
    # A page number that is no number shows the first page, not an error.
    assert client.get(OVERVIEW, {"nachrichten_seite": "x"}).status_code == 200


def test_dates_follow_the_interface_language(client, settings):
    """German notation in German, British in English (not the German "05.03.2024" there)."""
    user = UserFactory()
    setting = make_setting(user=user)
    _ask(setting, "Bitte reichen Sie den Impfpass nach.")
    client.force_login(user)
    today = timezone.localdate()
    german = client.get(OVERVIEW).text
    assert today.strftime("%d.%m.%Y") in german
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(OVERVIEW).text
    assert today.strftime("%d/%m/%Y") in english
    assert today.strftime("%d.%m.%Y") not in english
