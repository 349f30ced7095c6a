"""Issue 17 part 5 on the member admin pages: a destination's callback URL is set, the
secret shown once (every save makes a new one: rotation), and removed; bad URLs give a
German error and change nothing; every change is audited without the secret; another
member's destination answers 404."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from openkommune.fitconnect import callbacks
from openkommune.fitconnect.models import Destination, DestinationCallback
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.cases.factories import clerk_of

pytestmark = pytest.mark.django_db
URL = "https://fachverfahren.example/callbacks/fit-connect"


@pytest.fixture
def admin_client(client, member):
    client.force_login(clerk_of(member, role=Role.MEMBER_ADMIN))
    return client


def _secret(page: str) -> str:
    return re.search(r'id="callback-secret" value="([^"]+)"', page)[1]


def _stored(destination_id):
    with scopes_disabled():
        return DestinationCallback.objects.filter(
            destination__destination_id=destination_id
        ).first()


def test_set_rotate_and_remove_a_callback(admin_client, destination_id):
    edit = reverse("fitconnect_admin:callback_edit", args=[destination_id])
    overview = admin_client.get(reverse("fitconnect_admin:overview")).text
    assert edit in overview
    page = admin_client.get(edit)
    assert page.status_code == 200
    assert 'id="kein-callback"' in page.text

    saved = admin_client.post(edit, {"url": URL})
    assert saved.status_code == 200
    assert "no-store" in saved["Cache-Control"] or "max-age=0" in saved["Cache-Control"]
    first = _secret(saved.text)
    assert len(first) >= callbacks.MIN_SECRET_LENGTH
    stored = _stored(destination_id)
    assert (stored.url, stored.secret) == (URL, first)
    # Shown once: the page afterwards has the URL, never the secret.
    again = admin_client.get(edit).text
    assert URL in again
    assert first not in again

    # Saving again rotates the secret; the old one no longer signs.
    second = _secret(admin_client.post(edit, {"url": URL}).text)
    assert second != first
    assert _stored(destination_id).secret == second

    with scopes_disabled():
        records = list(AuditRecord.objects.filter(action="fitconnect_callback.set").order_by("id"))
    assert len(records) == 2
    assert records[1].before == {"url": URL}
    assert all(first not in str(r.after) and second not in str(r.after) for r in records)
    assert all(r.actor is not None for r in records)

    removed = admin_client.post(reverse("fitconnect_admin:callback_remove", args=[destination_id]))
    assert removed.status_code == 302
    assert _stored(destination_id) is None
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="fitconnect_callback.remove").count() == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://fachverfahren.example/cb", "https://"),
        ("", "Bitte geben Sie die Callback-URL an."),
        ("https://", "https://"),
    ],
)
def test_bad_url_is_refused_in_german_and_nothing_is_stored(
    admin_client, destination_id, url, message
):
    edit = reverse("fitconnect_admin:callback_edit", args=[destination_id])
    response = admin_client.post(edit, {"url": url})
    assert response.status_code == 422
    assert message in response.text
    assert 'id="callback-secret"' not in response.text
    assert _stored(destination_id) is None
    with scopes_disabled():
        assert not AuditRecord.objects.filter(action__startswith="fitconnect_callback").exists()


def test_other_members_and_inboxes_have_no_callback_page(
    client, member, other_member, destination_id
):
    edit = reverse("fitconnect_admin:callback_edit", args=[destination_id])
    client.force_login(clerk_of(member, role=Role.CLERK))
    assert client.post(edit, {"url": URL}).status_code == 403
    client.force_login(clerk_of(other_member, role=Role.MEMBER_ADMIN))
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"url": URL}).status_code == 404
    remove = reverse("fitconnect_admin:callback_remove", args=[destination_id])
    assert client.post(remove).status_code == 404
    assert _stored(destination_id) is None
    with scopes_disabled():
        Destination.objects.filter(destination_id=destination_id).update(inbox=True)
    client.force_login(clerk_of(member, role=Role.MEMBER_ADMIN))
    assert client.get(edit).status_code == 404
