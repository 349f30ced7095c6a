"""Pages of messages: the clerk's conversation and question form, the applicant's messages
with the answer form (reached from the status page like the status page itself), and tenant
isolation on every page and download of messages and notices."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from openkommune.cases.constants import CaseStatus, Decision
from openkommune.cases.models import MessageAttachment
from openkommune.cases.services import case_transition, messaging
from openkommune.cases.services.messaging import (
    message_reply_from_applicant,
    message_send_to_applicant,
)
from openkommune.cases.services.notices import notice_issue
from openkommune.tenancy.constants import Role
from openkommune.tenancy.scoping import scope
from tests.accounts.factories import UserFactory
from tests.cases.test_messages_support import (  # noqa: F401  (fixtures)
    QUESTION,
    clerk_of,
    immediate_tasks,
    mailbox_urls,
    make_setting,
    messages_of,
    notices_of,
    other_tenant,
    private_media,
    refreshed,
    stored_files,
)
from tests.submissions.factories import EXE_BYTES, PDF_BYTES, upload
from tests.tenancy.factories import cooperative

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_media", "immediate_tasks", "mailbox_urls"),
]


@pytest.fixture
def setting():
    return make_setting()


def clerk_url(name, setting, *extra):
    return reverse(f"cases:{name}", args=[setting.case.public_id, *extra])


def citizen_url(name, setting, *extra, token=True):
    url = reverse(f"mailbox:{name}", args=[setting.reference, *extra])
    return f"{url}?token={setting.token}" if token else url


def ask(setting, text=QUESTION):
    return message_send_to_applicant(
        tenant=setting.tenant, actor=setting.clerk, case=setting.case, body=text
    )


# --- clerk ---------------------------------------------------------------------------------------


def test_the_clerk_asks_a_question_on_the_messages_page(client, setting):
    client.force_login(setting.clerk)
    page = client.get(clerk_url("messages", setting))
    assert page.status_code == 200
    assert "Noch keine Nachrichten" in page.content.decode()
    response = client.post(clerk_url("messages", setting), {"body": QUESTION})
    assert response.status_code == 302
    assert refreshed(setting.case).status == CaseStatus.INFORMATION_REQUESTED
    page = client.get(response["Location"]).content.decode()
    assert QUESTION in page
    assert "noch nicht gelesen" in page


def test_an_empty_question_shows_the_error_and_a_refused_one_keeps_the_text(client, setting):
    client.force_login(setting.clerk)
    response = client.post(clerk_url("messages", setting), {"body": "  "})
    assert response.status_code == 400
    assert 'href="#id_body"' in response.content.decode()
    for to in (CaseStatus.IN_PROGRESS, CaseStatus.DECIDED):
        case_transition(
            tenant=setting.tenant,
            actor=None,
            case=setting.case,
            to=to,
            reason="x",
            decision=Decision.APPROVED if to == CaseStatus.DECIDED else None,
        )
    response = client.post(clerk_url("messages", setting), {"body": "Noch eine Frage?"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Noch eine Frage?" in body  # nothing typed is lost
    assert "zuerst wieder auf" in body
    assert messages_of(setting.case) == []


def test_the_clerk_reads_the_answer_and_downloads_its_file(client, setting):
    ask(setting)
    reply = message_reply_from_applicant(
        application=setting.application, body="Anbei.", files=[upload("impfpass.pdf", PDF_BYTES)]
    )
    with scope(tenant=setting.tenant):
        attachment = MessageAttachment.objects.get(message=reply)
    client.force_login(setting.clerk)
    page = client.get(clerk_url("messages", setting)).content.decode()
    assert ">neu</span>" in page  # unread until this page was opened
    assert ">neu</span>" not in client.get(clerk_url("messages", setting)).content.decode()
    assert "Anbei." in page
    assert "impfpass.pdf" in page
    assert messages_of(setting.case)[1].read_at is not None
    download = client.get(clerk_url("message_attachment", setting, attachment.public_id))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"


# --- applicant -----------------------------------------------------------------------------------


def test_the_status_page_points_to_the_question(client, setting):
    status_url = reverse("submissions:status", args=[setting.reference])
    page = client.get(f"{status_url}?token={setting.token}").content.decode()
    assert 'id="postfach"' in page
    ask(setting)
    page = client.get(f"{status_url}?token={setting.token}").content.decode()
    assert "Die zuständige Stelle hat eine Frage an Sie" in page
    assert f'{citizen_url("messages", setting)}"' in page.replace("&amp;", "&")


def test_the_applicant_reads_and_answers_with_a_file(client, setting):
    ask(setting)
    page = client.get(citizen_url("messages", setting))
    assert page.status_code == 200
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert QUESTION in page.content.decode()
    assert messages_of(setting.case)[0].read_at is not None
    response = client.post(
        citizen_url("messages", setting),
        {"body": "Hier ist er.", "files": [upload("impfpass.pdf", PDF_BYTES)]},
    )
    assert response.status_code == 303
    assert response["Location"].endswith(f"?token={setting.token}#verlauf")
    assert refreshed(setting.case).status == CaseStatus.IN_PROGRESS
    page = client.get(response["Location"]).content.decode()
    assert "Hier ist er." in page
    assert "impfpass.pdf" in page


def test_a_refused_file_keeps_the_answer_text(client, setting):
    ask(setting)
    response = client.post(
        citizen_url("messages", setting),
        {"body": "Mein langer Text, bitte nicht verlieren.", "files": [upload("a.pdf", EXE_BYTES)]},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Mein langer Text, bitte nicht verlieren." in body
    assert 'href="#id_files"' in body
    assert "kann nicht angenommen werden" in body
    assert len(messages_of(setting.case)) == 1
    assert refreshed(setting.case).status == CaseStatus.INFORMATION_REQUESTED


@override_settings(UPLOAD_MAX_SIZE=3000)
def test_an_oversized_file_is_skipped_while_it_arrives_and_the_answer_text_is_kept(
    client, setting, monkeypatch, settings
):
    ask(setting)
    taken = []
    original = messaging.intake
    monkeypatch.setattr(
        messaging,
        "intake",
        lambda uploaded, **kwargs: taken.append(uploaded.name) or original(uploaded, **kwargs),
    )
    before = stored_files(Path(settings.PRIVATE_MEDIA_ROOT))
    big = PDF_BYTES + b"%" * 200_000  # several chunks of the multipart parser
    # The files come first in the body: the text after them must still arrive.
    response = client.post(
        citizen_url("messages", setting),
        {
            "files": [
                upload("riesig.pdf", big),
                upload("klein.pdf", PDF_BYTES),
                upload("noch größer.pdf", big + big),
            ],
            "body": "Mein langer Text, bitte nicht verlieren.",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Mein langer Text, bitte nicht verlieren." in body
    assert 'href="#id_files"' in body
    for name in ("riesig.pdf", "noch größer.pdf"):
        assert f"Die Datei „{name}“ ist zu groß. Erlaubt sind höchstens 2,9\u00a0KB." in body
    # Cut off by the upload handler: no file of the answer was taken, nothing was stored.
    assert taken == []
    assert stored_files(Path(settings.PRIVATE_MEDIA_ROOT)) == before
    assert len(messages_of(setting.case)) == 1
    assert refreshed(setting.case).status == CaseStatus.INFORMATION_REQUESTED


def test_the_logged_in_applicant_needs_no_token(client):
    user = UserFactory()
    setting = make_setting(user=user)
    ask(setting)
    client.force_login(user)
    assert client.get(citizen_url("messages", setting, token=False)).status_code == 200
    client.logout()
    assert client.get(citizen_url("messages", setting, token=False)).status_code == 404


# --- isolation -----------------------------------------------------------------------------------


@pytest.fixture
def full_setting(setting):
    """A case with a question, an answer with a file, and a notice."""
    ask(setting)
    reply = message_reply_from_applicant(
        application=setting.application, body="Anbei.", files=[upload("impfpass.pdf", PDF_BYTES)]
    )
    with scope(tenant=setting.tenant):
        attachment = MessageAttachment.objects.get(message=reply)
    notice = notice_issue(
        tenant=setting.tenant,
        actor=setting.clerk,
        case=setting.case,
        decision=Decision.APPROVED,
        reason="passt",
    )
    return setting, attachment, notice


def clerk_pages(setting, attachment, notice):
    return [
        ("get", clerk_url("messages", setting), {}),
        ("post", clerk_url("messages", setting), {"body": "Frage eines Fremden"}),
        ("get", clerk_url("message_attachment", setting, attachment.public_id), {}),
        ("get", clerk_url("notice_create", setting), {}),
        (
            "post",
            clerk_url("notice_create", setting),
            {"_action": "vorschau", "decision": "approved", "reason": "x"},
        ),
        (
            "post",
            clerk_url("notice_create", setting),
            {"_action": "erlassen", "decision": "approved", "reason": "x", "text": "y"},
        ),
        ("get", clerk_url("notice_pdf", setting, notice.public_id), {}),
    ]


@pytest.mark.parametrize("role", [Role.CLERK, Role.MEMBER_ADMIN])
def test_another_authoritys_staff_get_404_everywhere(client, full_setting, role):
    setting, attachment, notice = full_setting
    client.force_login(clerk_of(other_tenant(), role=role))
    for method, url, data in clerk_pages(setting, attachment, notice):
        assert getattr(client, method)(url, data).status_code == 404, url
    assert len(messages_of(setting.case)) == 2


def test_citizens_and_cooperative_staff_get_404_and_anonymous_must_log_in(client, full_setting):
    setting, attachment, notice = full_setting
    for method, url, data in clerk_pages(setting, attachment, notice):
        assert getattr(client, method)(url, data).status_code == 302, url
    for user in (UserFactory(), clerk_of(cooperative(), role=Role.COOPERATIVE_STAFF)):
        client.force_login(user)
        for method, url, data in clerk_pages(setting, attachment, notice):
            assert getattr(client, method)(url, data).status_code == 404, url


def test_the_own_clerk_and_member_admin_reach_every_page(client, full_setting):
    setting, attachment, notice = full_setting
    client.force_login(clerk_of(setting.tenant, role=Role.MEMBER_ADMIN))
    for method, url, _data in clerk_pages(setting, attachment, notice)[:4]:
        if method == "get":
            assert client.get(url).status_code == 200, url


def citizen_pages(setting, attachment, notice, *, token):
    return [
        ("get", citizen_url("messages", setting, token=token), {}),
        ("post", citizen_url("messages", setting, token=token), {"body": "fremd"}),
        ("get", citizen_url("message_attachment", setting, attachment.public_id, token=token), {}),
        ("get", citizen_url("notices", setting, token=token), {}),
        ("post", citizen_url("notice_pdf", setting, notice.public_id, token=token), {}),
    ]


def test_another_citizen_gets_404_on_every_applicant_page(client, full_setting):
    setting, attachment, notice = full_setting
    stranger = make_setting()  # another applicant with a valid token of their own
    # Their token on this application, no token, a wrong token, a logged-in stranger.
    variants = [
        lambda url: url.replace(setting.token, stranger.token),
        lambda url: url.split("?")[0],
        lambda url: url.replace(setting.token, "falsch"),
    ]
    for variant in variants:
        for method, url, data in citizen_pages(setting, attachment, notice, token=True):
            assert getattr(client, method)(variant(url), data).status_code == 404, url
    client.force_login(UserFactory())
    for method, url, data in citizen_pages(setting, attachment, notice, token=False):
        assert getattr(client, method)(url, data).status_code == 404, url
    # Another application's files and notices through one's own valid credential.
    for method, url, data in citizen_pages(stranger, attachment, notice, token=True)[2::2]:
        assert getattr(client, method)(url, data).status_code == 404, url
    assert len(messages_of(setting.case)) == 2
    assert notices_of(setting.case)[0].first_opened_at is None
