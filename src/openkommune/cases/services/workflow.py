"""Rules of the case workflow without side effects: which transition is allowed, what it
needs, what the applicant sees, and the values a new case derives from its application."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from openkommune.cases.constants import (
    ALLOWED_TRANSITIONS,
    APPLICANT_NAME_MAX_LENGTH,
    REASON_MAX_LENGTH,
    REASON_REQUIRED,
    CaseStatus,
    Decision,
)
from openkommune.cases.errors import (
    CaseInputInvalid,
    DecisionRequired,
    ReasonRequired,
    TransitionNotAllowed,
)
from openkommune.core.timezone import local_date
from openkommune.forms.engine import applicant_values
from openkommune.forms.selectors import version_definition
from openkommune.submissions.constants import EventKind

# The applicant's timeline entry for a case entering that status. `dormant` has none: for
# the applicant the application stays where it was (nothing they need to do).
CITIZEN_EVENT_FOR_STATUS: dict[str, str] = {
    CaseStatus.RECEIVED: EventKind.RECEIVED,
    CaseStatus.IN_PROGRESS: EventKind.IN_PROGRESS,
    CaseStatus.INFORMATION_REQUESTED: EventKind.INFORMATION_REQUESTED,
    CaseStatus.DECIDED: EventKind.DECIDED,
    CaseStatus.CLOSED: EventKind.CLOSED,
}


def allowed_targets(status: str) -> list[str]:
    """The statuses a case in `status` may move to, in the order of `CaseStatus`."""
    targets = ALLOWED_TRANSITIONS[status]
    return [s for s in CaseStatus.values if s in targets]


def check_transition(
    current: str, to: str, *, reason: str = "", decision: str | None = None
) -> tuple[str, str]:
    """The cleaned (reason, decision) of an allowed transition; raises `TransitionNotAllowed`,
    `DecisionRequired` or `ReasonRequired` (German messages) otherwise."""
    if to not in CaseStatus.values:
        raise TransitionNotAllowed(_("Diesen Status gibt es nicht."))
    if to not in ALLOWED_TRANSITIONS[current]:
        if current == CaseStatus.CLOSED:
            message = _("Der Vorgang ist abgeschlossen und kann nicht mehr geändert werden.")
        else:
            message = _(
                "Ein Vorgang im Status „%(current)s“ kann nicht in den Status „%(to)s“ wechseln."
            ) % {"current": CaseStatus(current).label, "to": CaseStatus(to).label}
        raise TransitionNotAllowed(message, {"to": [message]})
    decision = decision or ""
    if to == CaseStatus.DECIDED:
        if decision not in Decision.values:
            message = _(
                "Bitte wählen Sie die Entscheidung: bewilligt, abgelehnt oder teilweise bewilligt."
            )
            raise DecisionRequired(message, {"decision": [message]})
    elif decision:
        message = _("Eine Entscheidung wird nur beim Wechsel zu „entschieden“ angegeben.")
        raise TransitionNotAllowed(message, {"decision": [message]})
    reason = (reason or "").strip()
    if to in REASON_REQUIRED and not reason:
        message = (
            _("Bitte begründen Sie die Entscheidung.")
            if to == CaseStatus.DECIDED
            else _("Bitte geben Sie an, warum der Vorgang ruht.")
        )
        raise ReasonRequired(message, {"reason": [message]})
    if len(reason) > REASON_MAX_LENGTH:
        message = _("Die Begründung ist zu lang (höchstens %(n)d Zeichen).") % {
            "n": REASON_MAX_LENGTH
        }
        raise CaseInputInvalid(message, {"reason": [message]})
    return reason, decision


# --- values a new case takes from its application -------------------------------------------


def applicant_of(application) -> dict:
    """The applicant's values by role (`given_name`, `family_name`, `name`, `organisation`,
    `address`, `email`) from the fields the application's form marks as the applicant's
    (`applicant` in the form definition, see forms/engine/applicant.py); empty when it marks
    none."""
    definition = version_definition(application.form_version)
    return applicant_values(definition, application.data)


def _text(value) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def applicant_name(applicant: dict, *, email: str = "") -> str:
    """The name to show and search in the inbox: first and last name (or the one-field
    name), the organisation after it, and the e-mail address when the form marks no name.
    Empty when nothing is known; pages then say that the form marks no applicant."""
    family = _text(applicant.get("family_name"))
    given = _text(applicant.get("given_name")) if family else ""
    name = f"{given} {family}".strip() or _text(applicant.get("name"))
    organisation = _text(applicant.get("organisation"))
    if organisation and name:
        name = f"{name} ({organisation})"
    name = name or organisation or (email or "").strip()
    return name[:APPLICANT_NAME_MAX_LENGTH]


def due_date(submitted_at: datetime, days: int | None) -> date | None:
    """The legal deadline: `days` calendar days after the day of receipt (German time)."""
    if not days:
        return None
    return local_date(submitted_at) + timedelta(days=days)
