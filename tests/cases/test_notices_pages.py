"""Pages of notices: the clerk decides in two steps (decision and reason, then the preview of
the text with the confirmation) and downloads the PDF without counting as a retrieval; the
applicant sees the notice in the mailbox with its delivery date and retrieves it (POST)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from openkommune.cases.constants import CaseStatus, Decision
from openkommune.cases.models import NoticeTemplate
from openkommune.cases.services.notices import notice_issue
from openkommune.core.timezone import LOCAL_TZ
from tests.cases.test_messages_support import (  # noqa: F401  (fixtures)
    APPLICANT_NAME,
    immediate_tasks,
    mailbox_urls,
    make_setting,
    notices_of,
    private_media,
    refreshed,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("private_media", "immediate_tasks", "mailbox_urls"),
]


@pytest.fixture
def setting():
    return make_setting()


def clerk_url(name, setting, *extra):
    return reverse(f"cases:{name}", args=[setting.case.public_id, *extra])


def citizen_url(name, setting, *extra):
    return reverse(f"mailbox:{name}", args=[setting.reference, *extra]) + f"?token={setting.token}"


def test_the_clerk_previews_edits_and_issues_a_notice(client, setting):
    client.force_login(setting.clerk)
    page = client.get(clerk_url("notice_create", setting))
    assert page.status_code == 200
    assert "noch kein Bescheid" in page.content.decode()

    preview = client.post(
        clerk_url("notice_create", setting),
        {"_action": "vorschau", "decision": Decision.APPROVED, "reason": "Alles belegt."},
    )
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "Bescheid prüfen und erlassen" in body
    assert "Alles belegt." in body
    assert APPLICANT_NAME in body
    assert 'id="beispiel-hinweis"' in body  # built-in template: example remedy text
    assert notices_of(setting.case) == []  # nothing issued by the preview
    assert refreshed(setting.case).status == CaseStatus.RECEIVED

    text = (
        preview.context["form"]["text"]
        .value()
        .replace("Ihrem Antrag wird stattgegeben.", "Genehmigt.")
    )
    done = client.post(
        clerk_url("notice_create", setting),
        {
            "_action": "erlassen",
            "decision": Decision.APPROVED,
            "reason": "Alles belegt.",
            "text": text,
        },
    )
    assert done.status_code == 302
    (notice,) = notices_of(setting.case)
    assert "Genehmigt." in notice.body
    assert refreshed(setting.case).status == CaseStatus.DECIDED
    page = client.get(done["Location"]).content.decode()
    assert "gilt als zugestellt am" in page
    assert notice.deemed_delivered_on.strftime("%d.%m.%Y") in page

    pdf = client.get(clerk_url("notice_pdf", setting, notice.public_id))
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert notices_of(setting.case)[0].first_opened_at is None  # a clerk is no retrieval


def test_issuing_the_same_decision_twice_is_refused_with_a_message(client, setting):
    client.force_login(setting.clerk)
    values = {"decision": Decision.APPROVED, "reason": "Alles belegt.", "text": "Genehmigt."}
    first = client.post(clerk_url("notice_create", setting), {"_action": "erlassen", **values})
    assert first.status_code == 302
    # A second click on the same (still open) preview, and step 1 afterwards.
    again = client.post(clerk_url("notice_create", setting), {"_action": "erlassen", **values})
    assert again.status_code == 400
    assert "bereits ein Bescheid erlassen" in again.content.decode()
    step_one = client.post(clerk_url("notice_create", setting), {"_action": "vorschau", **values})
    assert step_one.status_code == 400
    assert "bereits ein Bescheid erlassen" in step_one.content.decode()
    assert len(notices_of(setting.case)) == 1


def test_step_one_errors_and_an_empty_text_keep_what_was_typed(client, setting):
    client.force_login(setting.clerk)
    response = client.post(
        clerk_url("notice_create", setting), {"_action": "vorschau", "reason": "Meine Begründung"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Meine Begründung" in body
    assert 'href="#id_decision"' in body
    response = client.post(
        clerk_url("notice_create", setting),
        {"_action": "erlassen", "decision": Decision.REJECTED, "reason": "Grund", "text": "  "},
    )
    assert response.status_code == 400
    assert "Der Bescheid braucht einen Text." in response.content.decode()
    assert notices_of(setting.case) == []
    # A tampered decision goes back to step 1 with the reason kept.
    response = client.post(
        clerk_url("notice_create", setting),
        {"_action": "erlassen", "decision": "egal", "reason": "Grund 2", "text": "Text"},
    )
    assert response.status_code == 400
    assert "Grund 2" in response.content.decode()
    assert 'id="bescheid-form"' in response.content.decode()


def test_the_members_template_is_used_in_the_preview(client, setting):
    NoticeTemplate.all_objects.create(
        tenant=setting.tenant,
        ozg_leistung=setting.case.ozg_leistung,
        title="Hundesteuerbescheid {{ reference }}",
        body="Eigener Text für {{ applicant_name }}.\n\n## Rechtsbehelfsbelehrung\n\nEcht.",
    )
    client.force_login(setting.clerk)
    preview = client.post(
        clerk_url("notice_create", setting),
        {"_action": "vorschau", "decision": Decision.APPROVED, "reason": "ok"},
    ).content.decode()
    assert f"Hundesteuerbescheid {setting.reference}" in preview
    assert f"Eigener Text für {APPLICANT_NAME}." in preview
    assert "Vorlage Ihrer Organisation" in preview
    assert 'id="beispiel-hinweis"' not in preview


def test_the_applicant_sees_the_delivery_date_and_retrieves_the_notice(client, setting):
    notice = notice_issue(
        tenant=setting.tenant,
        actor=setting.clerk,
        case=setting.case,
        decision=Decision.APPROVED,
        reason="passt",
    )
    status = reverse("submissions:status", args=[setting.reference]) + f"?token={setting.token}"
    assert "Ein Bescheid liegt für Sie bereit" in client.get(status).content.decode()
    page = client.get(citizen_url("notices", setting))
    assert page.status_code == 200
    deemed = notice.deemed_delivered_on.strftime("%d.%m.%Y")
    assert (
        f"gilt als zugestellt am {deemed} (sofern nicht früher abgerufen)" in page.content.decode()
    )
    # A GET (prefetcher, crawler) is no retrieval.
    assert client.get(citizen_url("notice_pdf", setting, notice.public_id)).status_code == 405
    assert notices_of(setting.case)[0].first_opened_at is None

    pdf = client.post(citizen_url("notice_pdf", setting, notice.public_id))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    opened = notices_of(setting.case)[0].first_opened_at
    assert opened is not None
    opened_day = opened.astimezone(LOCAL_TZ).strftime("%d.%m.%Y")
    page = client.get(citizen_url("notices", setting)).content.decode()
    assert f"zugestellt am {opened_day} (abgerufen)" in page
    assert "Ein Bescheid liegt für Sie bereit" not in client.get(status).content.decode()
