"""Tenant isolation of the back-office pages: a clerk of another authority sees none of the
cases of this one and gets 404 for every object and action, exactly like for a case that
does not exist; nothing changes."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from openkommune.cases.models import Case, CaseDocument, CaseEvent, CaseNote
from openkommune.cases.selectors.inbox import InboxFilters, inbox_page
from openkommune.cases.services import case_add_document
from openkommune.tenancy.constants import ACTIVE_ORGANISATION_SESSION_KEY, Role
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.cases.factories import clerk_of, make_offer, other_tenant, private_media  # noqa: F401
from tests.cases.inbox_factories import make_case, submitted_case
from tests.submissions.factories import PDF_BYTES, upload
from tests.tenancy.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@pytest.fixture
def setting():
    offer = make_offer()
    case = submitted_case(offer)
    owner = clerk_of(offer.tenant)
    document = case_add_document(
        tenant=offer.tenant,
        actor=owner,
        case=case,
        uploaded_file=upload("vermerk.pdf", PDF_BYTES),
        title="Vermerk",
    )
    with scope(tenant=offer.tenant):
        attachment = case.application.attachments.get()
    # The other authority has a case of its own.
    stranger_tenant = other_tenant()
    own_case = make_case(
        tenant=stranger_tenant,
        form_version=offer.version,
        ozg_leistung=offer.leistung,
        applicant_name="Otto Other",
    )
    return {
        "offer": offer,
        "case": case,
        "owner": owner,
        "document": document,
        "attachment": attachment,
        "stranger_tenant": stranger_tenant,
        "own_case": own_case,
    }


def _state(case) -> tuple:
    with scopes_disabled():
        row = Case.objects.get(pk=case.pk)
        return (
            row.status,
            row.assigned_to_id,
            row.follow_up_on,
            CaseEvent.objects.filter(case_public_id=case.public_id).count(),
            CaseNote.objects.filter(case=case).count(),
            CaseDocument.objects.filter(case=case).count(),
        )


@pytest.mark.parametrize("role", [Role.CLERK, Role.MEMBER_ADMIN])
def test_another_authoritys_clerk_gets_404_for_everything(client, setting, role):
    case, document, attachment = setting["case"], setting["document"], setting["attachment"]
    stranger = clerk_of(setting["stranger_tenant"], role=role)
    client.force_login(stranger)

    detail = reverse("cases:case_detail", args=[case.public_id])
    inbox = client.get(reverse("cases:inbox"), {"q": case.reference}).content.decode()
    assert detail not in inbox
    assert "Alle (0)" in inbox
    full_inbox = client.get(reverse("cases:inbox")).content.decode()
    assert setting["own_case"].reference in full_inbox
    assert case.reference not in full_inbox
    assert "Alle (1)" in full_inbox
    assert "Erika Mustermann" not in full_inbox

    public_id = case.public_id
    gets = [
        reverse("cases:case_detail", args=[public_id]),
        reverse("cases:case_attachment", args=[public_id, attachment.public_id]),
        reverse("cases:case_document", args=[public_id, document.public_id]),
        reverse("cases:case_receipt", args=[public_id]),
        # Their own case with this authority's file ids: still nothing.
        reverse(
            "cases:case_attachment", args=[setting["own_case"].public_id, attachment.public_id]
        ),
        reverse("cases:case_document", args=[setting["own_case"].public_id, document.public_id]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url

    before = _state(case)
    later = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    posts = [
        ("status/", {"status-to": "in_progress"}),
        ("zuweisung/", {"zuweisung-assignee": str(stranger.pk)}),
        ("wiedervorlage/", {"wiedervorlage-follow_up_on": later}),
        ("notiz/", {"notiz-text": "fremd"}),
        ("dokument/", {"dokument-title": "x", "dokument-file": upload("x.pdf", PDF_BYTES)}),
    ]
    for suffix, data in posts:
        url = reverse("cases:case_detail", args=[public_id]) + suffix
        assert client.post(url, data).status_code == 404, url
    assert _state(case) == before


def test_the_answer_for_a_foreign_case_equals_the_answer_for_a_missing_one(client, setting):
    client.force_login(clerk_of(setting["stranger_tenant"]))
    foreign = client.get(reverse("cases:case_detail", args=[setting["case"].public_id]))
    missing = client.get(reverse("cases:case_detail", args=[uuid.uuid4()]))
    assert foreign.status_code == missing.status_code == 404

    def unmasked(response) -> str:
        # The CSRF token of the logout form is masked per request; the language switch sends
        # the visitor back to the address they asked for (their own input, not case data).
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        return re.sub(r'name="next" value="[^"]+"', "", text)

    assert unmasked(foreign) == unmasked(missing)


def test_the_inbox_selector_never_returns_another_tenants_case(setting):
    result = inbox_page(
        tenant=setting["stranger_tenant"], user=None, filters=InboxFilters(query="erika")
    )
    assert result.total == 0
    result = inbox_page(tenant=setting["stranger_tenant"], user=None, filters=InboxFilters())
    assert [c.reference for c in result.cases] == [setting["own_case"].reference]
    assert sum(result.status_counts.values()) == 1


def test_a_clerk_acts_only_for_the_active_organisation(client, setting):
    """Someone who is a clerk of both authorities sees the cases of the one they act for."""
    both = clerk_of(setting["stranger_tenant"])
    MembershipFactory(tenant=setting["offer"].tenant, user=both, role=Role.CLERK)
    client.force_login(both)
    session = client.session
    session[ACTIVE_ORGANISATION_SESSION_KEY] = str(setting["stranger_tenant"].public_id)
    session.save()
    url = reverse("cases:case_detail", args=[setting["case"].public_id])
    assert client.get(url).status_code == 404
    session = client.session
    session[ACTIVE_ORGANISATION_SESSION_KEY] = str(setting["offer"].tenant.public_id)
    session.save()
    assert client.get(url).status_code == 200
