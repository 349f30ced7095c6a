"""Pages of the working groups: only participants and staff see a group and anything in it
(404 for everyone else, like a group that does not exist); destructive actions ask first;
bad input keeps the page with a German error; the calendar feeds by secret address."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from icalendar import Calendar

from openkommune.workinggroups import selectors, services
from openkommune.workinggroups.constants import MeetingStatus, VotingMode
from openkommune.workinggroups.models import GroupFile, Meeting, Participant, WorkingGroup
from tests.procurement.factories import ContractFactory
from tests.workinggroups.factories import held_meeting, moment, working_group

pytestmark = pytest.mark.django_db


def _urls(setting):
    group = setting.group
    meeting = held_meeting(setting)
    decision = services.decision_open(
        group=group, actor=setting.chair, title="B", text="T", voting=VotingMode.ONLINE
    )
    upload = SimpleUploadedFile("a.txt", b"Hallo Welt")
    file = services.file_upload(group=group, actor=setting.member, uploaded_file=upload)
    g = {"group_id": group.public_id}
    return [
        reverse("workinggroups:group_detail", kwargs=g),
        reverse("workinggroups:files", kwargs=g),
        reverse("workinggroups:decisions", kwargs=g),
        reverse("workinggroups:meeting_detail", kwargs=g | {"meeting_id": meeting.public_id}),
        reverse("workinggroups:meeting_ics", kwargs=g | {"meeting_id": meeting.public_id}),
        reverse("workinggroups:decision_detail", kwargs=g | {"decision_id": decision.public_id}),
        reverse("workinggroups:file_download", kwargs=g | {"file_id": file.public_id}),
    ]


def test_a_group_is_hidden_from_everyone_but_participants_and_staff(client):
    setting = working_group()
    urls = _urls(setting)
    for user, status in (
        (setting.outsider, 404),
        (setting.guest, 200),
        (setting.member, 200),
        (setting.staff, 200),
    ):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == status, (user, url)
    client.logout()
    assert client.get(urls[0]).status_code == 302  # to the login


def test_ids_of_another_group_answer_404(client):
    setting = working_group()
    other = working_group(name="Arbeitskreis Schulen")
    foreign_meeting = held_meeting(other)
    client.force_login(setting.member)
    url = reverse(
        "workinggroups:meeting_detail",
        kwargs={"group_id": setting.group.public_id, "meeting_id": foreign_meeting.public_id},
    )
    assert client.get(url).status_code == 404


def test_list_shows_own_groups_and_an_empty_state(client):
    setting = working_group()
    working_group(name="Arbeitskreis Schulen")
    client.force_login(setting.outsider)
    page = client.get(reverse("workinggroups:group_list")).text
    assert 'id="keine-arbeitskreise"' in page
    client.force_login(setting.member)
    page = client.get(reverse("workinggroups:group_list")).text
    assert "Arbeitskreis E-Rechnung" in page
    assert "Arbeitskreis Schulen" not in page


def test_list_is_paginated(client):
    setting = working_group()
    for n in range(21):
        services.group_create(actor=setting.staff, name=f"Kreis {n:02d}")
    client.force_login(setting.staff)
    first = client.get(reverse("workinggroups:group_list")).text
    assert "Seite 1 von 2" in first
    second = client.get(reverse("workinggroups:group_list") + "?seite=2").text
    assert "Kreis 20" in second


def test_staff_create_a_group_and_bad_input_keeps_the_page(client):
    setting = working_group()
    contract = ContractFactory()
    client.force_login(setting.chair)
    assert client.get(reverse("workinggroups:group_create")).status_code == 403
    client.force_login(setting.staff)
    bad = client.post(reverse("workinggroups:group_create"), {"name": "", "quorum": "0"})
    assert bad.status_code == 200
    assert "Fehler" in bad.text
    response = client.post(
        reverse("workinggroups:group_create"),
        {
            "name": "Arbeitskreis Netze",
            "description": "",
            "vote_visibility": "open",
            "quorum": "3",
            "contracts": [str(contract.pk)],
        },
    )
    assert response.status_code == 302
    group = WorkingGroup.objects.get(name="Arbeitskreis Netze")
    assert list(group.contracts.all()) == [contract]
    assert contract.number in client.get(response.url).text


def test_removing_a_participant_asks_first(client):
    setting = working_group()
    participant = setting.participant(setting.member)
    url = reverse(
        "workinggroups:participant_remove",
        kwargs={"group_id": setting.group.public_id, "participant_id": participant.public_id},
    )
    client.force_login(setting.staff)
    page = client.get(url)
    assert "Teilnahme wirklich beenden?" in page.text
    assert Participant.objects.get(pk=participant.pk).removed_at is None
    client.post(url)
    assert Participant.objects.get(pk=participant.pk).removed_at is not None
    client.force_login(setting.member)
    detail = reverse("workinggroups:group_detail", kwargs={"group_id": setting.group.public_id})
    assert client.get(detail).status_code == 404


def test_plan_meeting_by_form_with_german_times(client):
    setting = working_group()
    client.force_login(setting.member)
    plan = reverse("workinggroups:meeting_plan", kwargs={"group_id": setting.group.public_id})
    assert client.get(plan).status_code == 403
    client.force_login(setting.chair)
    bad = client.post(plan, {"title": "X", "starts_at": "morgen", "ends_at": ""})
    assert "Bitte geben Sie Datum und Uhrzeit so ein" in bad.text
    assert not Meeting.objects.exists()
    response = client.post(
        plan,
        {
            "title": "Sommersitzung",
            "starts_at": "01.07.2027 10:00",
            "ends_at": "01.07.2027 12:30",
            "location": "Halle",
            "agenda": "Begrüßung\nBericht",
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.starts_at.isoformat() == "2027-07-01T08:00:00+00:00"  # 10:00 in Berlin
    page = client.get(response.url).text
    assert "01.07.2027, 10:00 Uhr" in page
    assert "Bericht" in page


def test_invitation_and_cancel_ask_first(client):
    setting = working_group()
    meeting = services.meeting_plan(
        group=setting.group,
        actor=setting.chair,
        title="A",
        starts_at=moment(2),
        ends_at=moment(2, 1),
    )
    kwargs = {"group_id": setting.group.public_id, "meeting_id": meeting.public_id}
    client.force_login(setting.chair)
    invite = reverse("workinggroups:meeting_invite", kwargs=kwargs)
    assert "Einladung versenden?" in client.get(invite).text
    meeting.refresh_from_db()
    assert meeting.invited_at is None
    client.post(invite)
    meeting.refresh_from_db()
    assert meeting.invited_at is not None
    cancel = reverse("workinggroups:meeting_cancel", kwargs=kwargs)
    assert "Sitzung wirklich absagen?" in client.get(cancel).text
    client.post(cancel)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED


def test_guest_cannot_upload_and_a_member_can(client):
    setting = working_group()
    url = reverse("workinggroups:files", kwargs={"group_id": setting.group.public_id})
    client.force_login(setting.guest)
    page = client.get(url).text
    assert 'id="keine-dateien"' in page
    assert "Datei hochladen" not in page
    assert client.post(url, {"file": SimpleUploadedFile("a.txt", b"x")}).status_code == 403
    client.force_login(setting.member)
    assert client.get(url + "?sitzung=kaputt").status_code == 404
    refused = client.post(url, {"file": SimpleUploadedFile("a.exe", b"MZ\x90\x00")})
    assert "kann nicht angenommen werden" in refused.text
    client.post(url, {"file": SimpleUploadedFile("liste.txt", b"Teilnehmerliste")})
    row = GroupFile.objects.get()
    download = client.get(
        reverse(
            "workinggroups:file_download",
            kwargs={"group_id": setting.group.public_id, "file_id": row.public_id},
        )
    )
    assert b"".join(download.streaming_content) == b"Teilnehmerliste"
    delete = reverse(
        "workinggroups:file_delete",
        kwargs={"group_id": setting.group.public_id, "file_id": row.public_id},
    )
    assert "Datei wirklich löschen?" in client.get(delete).text
    client.post(delete)
    assert not GroupFile.objects.exists()


def test_meeting_vote_result_by_form_and_contract_page_shows_it(client):
    setting = working_group()
    contract = ContractFactory()
    meeting = held_meeting(setting)
    client.force_login(setting.chair)
    create = reverse(
        "workinggroups:meeting_decision_create",
        kwargs={"group_id": setting.group.public_id, "meeting_id": meeting.public_id},
    )
    response = client.post(
        create,
        {
            "title": "Beitritt empfohlen",
            "text": "Wir empfehlen den Beitritt.",
            "voting": "meeting",
            "agenda_item": str(meeting.agenda_items.get(position=2).public_id),
            "contract": str(contract.pk),
        },
    )
    assert response.status_code == 302
    too_many = client.post(response.url, {"ergebnis": "1", "yes": "5", "no": "0", "abstain": "0"})
    assert "mehr Stimmen angegeben" in too_many.text
    client.post(response.url, {"ergebnis": "1", "yes": "2", "no": "0", "abstain": "0"})
    page = client.get(response.url).text
    assert "angenommen" in page
    client.force_login(setting.staff)
    contract_page = client.get(reverse("procurement:contract_detail", args=[contract.public_id]))
    section = contract_page.text.split('id="arbeitskreis-beschluesse"')[1]
    assert "Beitritt empfohlen" in section
    assert "Arbeitskreis E-Rechnung" in section


def test_calendar_feeds_by_secret_address(client):
    setting = working_group()
    other = working_group(name="Arbeitskreis Schulen")
    held_meeting(setting)
    held_meeting(other)
    client.force_login(setting.member)
    assert 'id="keine-adresse"' in client.get(reverse("workinggroups:calendar")).text
    client.post(reverse("workinggroups:calendar"))
    page = client.get(reverse("workinggroups:calendar")).text
    feed = page.split('id="kalender-adresse">')[1].split("<")[0]
    client.logout()
    response = client.get(feed)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Arbeitskreis E-Rechnung: 3. Sitzung"]
    token = feed.rstrip("/").split("/")[-2]
    own = reverse(
        "workinggroups:group_feed", kwargs={"token": token, "group_id": setting.group.public_id}
    )
    assert client.get(own).status_code == 200
    foreign = reverse(
        "workinggroups:group_feed", kwargs={"token": token, "group_id": other.group.public_id}
    )
    assert client.get(foreign).status_code == 404
    # A new address asks first, then the old one stops working.
    client.force_login(setting.member)
    confirm = client.post(reverse("workinggroups:calendar"))
    assert "Neue Kalender-Adresse erzeugen?" in confirm.text
    assert client.get(feed).status_code == 200
    client.post(reverse("workinggroups:calendar"), {"bestaetigt": "1"})
    assert client.get(feed).status_code == 404


def test_pages_speak_english_for_who_chooses_it(client):
    setting = working_group()
    meeting = held_meeting(setting)
    client.force_login(setting.chair)
    kwargs = {"group_id": setting.group.public_id}
    page = client.get(
        reverse("workinggroups:group_detail", kwargs=kwargs), HTTP_ACCEPT_LANGUAGE="en"
    ).text
    assert "Your role" in page
    assert "Chair" in page
    assert "Plan a meeting" in page
    detail = client.get(
        reverse("workinggroups:meeting_detail", kwargs=kwargs | {"meeting_id": meeting.public_id}),
        HTTP_ACCEPT_LANGUAGE="en",
    ).text
    assert "Save attendance" in detail
    assert "Write minutes" in detail


def test_a_participant_without_any_role_left_sees_nothing_and_staff_need_the_second_factor(
    client,
):
    """Who lost every role (left their member) no longer sees the group: every person who
    sees one is staff, and staff reach no page before the second factor (issue 15)."""
    from openkommune.tenancy.models import Membership
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.accounts.factories import PASSWORD

    setting = working_group()
    urls = _urls(setting)
    # Still a member's clerk: the password alone leads to the second factor, not the group.
    client.post(reverse("accounts:login"), {"username": setting.member.email, "password": PASSWORD})
    answer = client.get(urls[0])
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("twofactor:challenge"))
    client.logout()
    with scopes_disabled():
        Membership.objects.filter(user=setting.member).delete()
    client.post(reverse("accounts:login"), {"username": setting.member.email, "password": PASSWORD})
    for url in urls:
        assert client.get(url).status_code == 404, url
    listing = client.get(reverse("workinggroups:group_list")).text
    assert setting.group.name not in listing
    assert not selectors.feed_meetings(user=setting.member).exists()
