"""Reads about deliveries to Fachverfahren for the platform's own pages: the citizen's
status page, the receipt and the back office's case page (panels.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from openkommune.fitconnect import jose
from openkommune.fitconnect.constants import (
    EVENT_ACCEPT,
    EVENT_CREATE,
    EVENT_REJECT,
    EVENT_SUBMIT,
    SubmissionStatus,
)
from openkommune.fitconnect.models import Event, Submission
from openkommune.tenancy.scoping import scope

EVENT_LABELS = {
    EVENT_CREATE: _("Einreichung angelegt"),
    EVENT_SUBMIT: _("verschlüsselt zugestellt"),
    EVENT_ACCEPT: _("vom Fachverfahren angenommen"),
    EVENT_REJECT: _("vom Fachverfahren abgelehnt"),
}
REASON_MAX_LENGTH = 1000


@dataclass(frozen=True)
class LoggedEvent:
    name: str
    label: str
    at: object
    by_platform: bool


@dataclass(frozen=True)
class Delivery:
    """A platform application delivered to a Fachverfahren, as its event log tells it."""

    submission: Submission
    status: str
    delivered_at: object
    answered_at: object = None
    reasons: list[str] = field(default_factory=list)
    events: list[LoggedEvent] = field(default_factory=list)

    @property
    def inbound(self) -> bool:
        """Arrived from an outside sender at an inbox destination (not sent by us)."""
        return self.submission.destination.inbox

    @property
    def accepted(self) -> bool:
        return self.status == SubmissionStatus.ACCEPTED

    @property
    def rejected(self) -> bool:
        return self.status == SubmissionStatus.REJECTED


def _claims(token: str) -> dict:
    """The payload of a stored SET (verified when it was stored)."""
    try:
        payload = json.loads(jose.b64url_decode(token.split(".")[1]))
    except (ValueError, IndexError, jose.JoseError):
        return {}
    return payload if isinstance(payload, dict) else {}


def reject_reasons(token: str) -> list[str]:
    """What the authority gives as reasons in a reject event (`problems[].detail|title`)."""
    reasons = []
    for payload in _claims(token).get("events", {}).values():
        problems = payload.get("problems", []) if isinstance(payload, dict) else []
        for problem in problems if isinstance(problems, list) else []:
            if isinstance(problem, dict):
                text = problem.get("detail") or problem.get("title")
                if isinstance(text, str) and text.strip():
                    reasons.append(text.strip()[:REASON_MAX_LENGTH])
    return reasons


def delivery_for_application(application) -> Delivery | None:
    """The delivery of the platform's own application, or None (built-in back office)."""
    with scope(tenant=application.tenant):
        submission = (
            Submission.objects.filter(application_public_id=application.public_id)
            .select_related("destination")
            .first()
        )
    if submission is None:
        return None
    events = list(Event.objects.filter(submission=submission).order_by("issued_at", "id"))
    logged = [
        LoggedEvent(
            name=event.event,
            label=str(EVENT_LABELS.get(event.event, event.event)),
            at=event.issued_at,
            by_platform=event.event not in (EVENT_ACCEPT, EVENT_REJECT),
        )
        for event in events
    ]
    answer = next((e for e in events if e.event in (EVENT_ACCEPT, EVENT_REJECT)), None)
    return Delivery(
        submission=submission,
        status=submission.status,
        delivered_at=submission.submitted_at,
        answered_at=answer.issued_at if answer else None,
        reasons=reject_reasons(answer.token) if answer and answer.event == EVENT_REJECT else [],
        events=logged,
    )


# --- the member administrators' pages (admin_views.py) ----------------------------------


def destination_list(*, tenant) -> list:
    from openkommune.fitconnect.models import Destination

    with scope(tenant=tenant):
        return list(Destination.objects.prefetch_related("keys").order_by("-created_at", "-id"))


def destination_get(*, tenant, destination_id):
    """The member's destination; `Destination.DoesNotExist` also for another member's."""
    from openkommune.fitconnect.models import Destination

    with scope(tenant=tenant):
        return Destination.objects.get(destination_id=destination_id)


def client_list(*, tenant) -> list:
    from openkommune.fitconnect.models import Client

    with scope(tenant=tenant):
        return list(Client.objects.order_by("revoked_at", "-created_at", "-id"))


def client_get(*, tenant, client_id):
    from openkommune.fitconnect.models import Client

    with scope(tenant=tenant):
        return Client.objects.get(client_id=client_id)


def callback_of(destination):
    """The destination's callback (URL, last success and failure), or None."""
    from openkommune.fitconnect.models import DestinationCallback

    return DestinationCallback.objects.filter(destination=destination).first()


# --- deliveries to an external Zustelldienst (outbound.py) -------------------------------


@dataclass(frozen=True)
class OutboundDelivery:
    """A platform application sent to an external FIT-Connect Zustelldienst."""

    outbound: object
    status: str
    delivered_at: object
    answered_at: object
    reasons: list[str]
    events: list[LoggedEvent]
    problem: str
    inbound = False

    @property
    def pending(self) -> bool:
        return self.status == "pending"

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"

    @property
    def rejected(self) -> bool:
        return self.status == "rejected"


def outbound_for_application(application) -> OutboundDelivery | None:
    import datetime

    from openkommune.fitconnect.models import OutboundSubmission

    with scope(tenant=application.tenant):
        outbound = (
            OutboundSubmission.objects.filter(application_public_id=application.public_id)
            .select_related("route")
            .first()
        )
    if outbound is None:
        return None
    logged = [
        LoggedEvent(
            name=event["event"],
            label=str(EVENT_LABELS.get(event["event"], event["event"])),
            at=datetime.datetime.fromtimestamp(event["iat"], tz=datetime.UTC),
            by_platform=event.get("by") == "zustelldienst",
        )
        for event in outbound.events
    ]
    answer = next((e for e in outbound.events if e["event"] == EVENT_REJECT), None)
    return OutboundDelivery(
        outbound=outbound,
        status=outbound.state,
        delivered_at=outbound.submitted_at,
        answered_at=outbound.answered_at,
        reasons=reject_reasons(answer["token"]) if answer else [],
        events=logged,
        problem=outbound.problem,
    )


def external_list(*, tenant) -> list:
    """The member's destinations at external Zustelldienste, each with its number of failed
    deliveries (`failed_count`)."""
    from django.db.models import Count, Q

    from openkommune.fitconnect.models import ExternalDestination

    with scope(tenant=tenant):
        return list(
            ExternalDestination.objects.annotate(
                failed_count=Count("submissions", filter=Q(submissions__state="failed"))
            ).order_by("-created_at", "-id")
        )


def external_get(*, tenant, pk):
    from openkommune.fitconnect.models import ExternalDestination

    with scope(tenant=tenant):
        return ExternalDestination.objects.get(pk=pk)


def external_failed(route) -> list:
    from openkommune.fitconnect.models import OutboundState, OutboundSubmission

    with scope(tenant=route.tenant_id):
        return list(
            OutboundSubmission.objects.filter(route=route, state=OutboundState.FAILED).order_by(
                "created_at", "id"
            )
        )
