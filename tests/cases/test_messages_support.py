"""Shared set-up of the message and notice tests (no tests here): a case of an anonymous
applicant with its status token, a clerk of its tenant, the immediate task backend (e-mails are
sent on commit), and the applicant's pages mounted even before the site's urls.py includes
`cases.urls_citizen`.

Import the fixtures by name (`private_media, mailbox_urls, immediate_tasks  # noqa: F401`) and
switch them on with `pytest.mark.usefixtures`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import NoReverseMatch, include, path, reverse

from openkommune.cases.models import Case, CaseEvent, Message, Notice
from openkommune.submissions.services import application_status_token
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.cases.factories import (  # noqa: F401  (fixture re-exported)
    clerk_of,
    make_offer,
    open_case,
    other_tenant,
    private_media,
)

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
APPLICANT_NAME = "Erika Mustermann"
APPLICANT_EMAIL = "erika@example.org"
QUESTION = "Bitte reichen Sie den Impfpass von Bello nach."


def __getattr__(name: str):
    # ROOT_URLCONF stand-in while the site's urls.py does not mount the applicant's pages.
    if name == "urlpatterns":
        from openkommune.urls import urlpatterns

        return [*urlpatterns, path("antrag/", include("openkommune.cases.urls.citizen"))]
    raise AttributeError(name)


@pytest.fixture
def mailbox_urls(settings):
    try:
        reverse("mailbox:notices", kwargs={"reference": "2026-MG-AAAA-BBBB"})
    except NoReverseMatch:
        settings.ROOT_URLCONF = __name__


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


@dataclass
class Setting:
    case: Case
    clerk: object
    token: str | None

    @property
    def application(self):
        return self.case.application

    @property
    def tenant(self):
        return self.case.tenant

    @property
    def reference(self) -> str:
        return self.case.reference


def make_setting(*, user=None, email: str | None = APPLICANT_EMAIL) -> Setting:
    offer = make_offer()
    kw = {"user": user, "email": None} if user is not None else {"email": email}
    case = open_case(offer, name=APPLICANT_NAME, **kw)
    return Setting(case, clerk_of(case.tenant), application_status_token(case.application))


def refreshed(case: Case) -> Case:
    with scope(tenant=case.tenant):
        return Case.objects.select_related("application").get(pk=case.pk)


def events_of(case: Case) -> list[CaseEvent]:
    with scope(tenant=case.tenant):
        return list(CaseEvent.objects.filter(case_public_id=case.public_id).order_by("sequence"))


def messages_of(case: Case) -> list[Message]:
    with scope(tenant=case.tenant):
        return list(Message.objects.filter(case=case).order_by("sent_at", "id"))


def notices_of(case: Case) -> list[Notice]:
    with scope(tenant=case.tenant):
        return list(Notice.objects.filter(case=case).order_by("made_available_at", "id"))


def audit_actions(tenant) -> list[str]:
    with scopes_disabled():
        return list(
            AuditRecord.objects.filter(tenant=tenant)
            .order_by("id")
            .values_list("action", flat=True)
        )


def stored_files(root) -> list:
    """Files under the private root, except the receipts and the upload spool."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and "receipts" not in p.parts and "tmp" not in p.parts
    )
