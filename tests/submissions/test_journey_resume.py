"""Continue a draft later: by the link sent by e-mail (anonymous) or through the account."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openkommune.submissions.models import Application, Draft
from openkommune.submissions.selectors.journey import SESSION_DRAFTS
from tests.accounts.factories import PASSWORD, UserFactory
from tests.submissions.factories import private_media  # noqa: F401
from tests.submissions.journey_support import (
    ANLIEGEN,
    draft_id,
    fill_all,
    offer_hundesteuer,
    start_draft,
    step_url,
    submit,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def saved_link(client, immediate_tasks, django_capture_on_commit_callbacks):
    """An anonymous draft with the first step answered (its e-mail address too), saved for
    later on the second; the e-mail's link."""
    offer_hundesteuer()
    first = start_draft(client)
    public_id = draft_id(first)
    client.post(first, ANLIEGEN)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            step_url(public_id, "hunde"), {"hunde.0.hund_name": "Bello", "_action": "speichern"}
        )
    [message] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/antrag/fortsetzen/\S+)", message.body).group(1)
    return public_id, link


def test_link_from_the_email_resumes_in_another_browser(saved_link):
    public_id, link = saved_link
    other = Client()
    response = other.get(link)
    assert response.status_code == 302
    # On to the step last saved; the token stays out of every later address.
    assert response["Location"] == step_url(public_id, "hunde")
    assert "token" not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert public_id in other.session[SESSION_DRAFTS]
    page = other.get(response["Location"]).text
    assert 'value="Bello"' in page
    assert other.post(response["Location"], {"hunde.0.hund_name": "Bello"}).status_code == 200


def test_wrong_token_is_404(saved_link):
    public_id, link = saved_link
    wrong = re.sub(r"token=[^&]+", "token=" + "x" * 43, link)
    assert Client().get(wrong).status_code == 404
    assert (
        Client().get(reverse("submissions:resume", args=[public_id]) + "?token=").status_code == 302
    )


def test_expired_link_gets_a_clear_page(saved_link):
    public_id, link = saved_link
    Draft.applicant_objects.filter(public_id=public_id).update(
        resume_token_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = Client().get(link)
    assert response.status_code == 410
    assert "Der Link ist abgelaufen" in response.text
    assert "Bitte beginnen Sie den Antrag neu" in response.text


def test_a_session_bound_draft_expires_with_its_link(client, saved_link):
    public_id, _link = saved_link
    Draft.applicant_objects.filter(public_id=public_id).update(
        resume_token_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = client.get(step_url(public_id, "hunde"))
    assert response.status_code == 410
    assert 'id="link-abgelaufen"' in response.text


def test_resume_of_a_submitted_draft_leads_to_the_receipt(client, saved_link):
    public_id, link = saved_link
    fill_all(client, public_id)
    receipt_url = submit(client, public_id)["Location"]
    other = Client()
    response = other.get(link)
    assert response["Location"] == receipt_url
    assert Application.applicant_objects.count() == 1
    assert Application.applicant_objects.get().reference in other.get(receipt_url).text


def test_a_users_draft_resumes_after_login(client):
    offer_hundesteuer()
    user = UserFactory()
    client.force_login(user)
    public_id = draft_id(start_draft(client))
    client.post(step_url(public_id, "anliegen"), ANLIEGEN)
    resume = reverse("submissions:resume", args=[public_id])

    browser = Client()
    response = browser.get(resume)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    login = browser.post(
        response["Location"],
        {"username": user.email, "password": PASSWORD, "next": resume},
    )
    assert login["Location"] == resume
    assert browser.get(resume)["Location"] == step_url(public_id, "hunde")

    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get(resume).status_code == 404


def test_a_users_draft_link_opened_after_logout_asks_to_log_in(client):
    """The draft's own address (not only the e-mail's resume link): after logout the page
    asks to log in, and after the login the step opens."""
    offer_hundesteuer()
    user = UserFactory()
    client.force_login(user)
    step = start_draft(client)
    public_id = draft_id(step)
    client.post(step, ANLIEGEN)
    check = reverse("submissions:check", args=[public_id])
    client.post(reverse("accounts:logout"))

    for url in (step, check):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    login = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD, "next": step}
    )
    assert login["Location"] == step
    assert client.get(step).status_code == 200
    # An anonymous draft's address in another browser stays "not found" (nothing to log in to).
    anonymous = draft_id(start_draft(Client()))
    assert client.get(step_url(anonymous, "anliegen")).status_code == 404
    assert Client().get(step_url(anonymous, "anliegen")).status_code == 404
