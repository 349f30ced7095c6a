"""Back-office dates through the `formatting` filters (issue 14): German "05.03.2024, 14:30
Uhr" in German, British "05/03/2024, 14:30" in English, never the German notation there."""

import pytest
from django.urls import reverse
from django.utils import timezone

from openkommune.core.timezone import LOCAL_TZ
from tests.cases.factories import clerk_of, make_offer, private_media  # noqa: F401
from tests.cases.inbox_factories import submitted_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def test_inbox_and_case_file_dates_follow_the_interface_language(client, settings):
    offer = make_offer()
    case = submitted_case(offer)
    client.force_login(clerk_of(offer.tenant))
    submitted = timezone.localtime(case.submitted_at, LOCAL_TZ)
    german_day = submitted.strftime("%d.%m.%Y")
    english_day = submitted.strftime("%d/%m/%Y")
    time = submitted.strftime("%H:%M")

    inbox = client.get(reverse("cases:inbox")).text
    detail = client.get(reverse("cases:case_detail", args=[case.public_id])).text
    assert f">{german_day}</time>" in inbox
    assert f"{german_day}, {time} Uhr" in detail

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    inbox = client.get(reverse("cases:inbox")).text
    detail = client.get(reverse("cases:case_detail", args=[case.public_id])).text
    assert f">{english_day}</time>" in inbox
    assert f"{english_day}, {time}<" in detail
    assert german_day not in inbox
    assert german_day not in detail
