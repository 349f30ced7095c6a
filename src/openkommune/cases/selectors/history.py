"""The history of a case as the case file page shows it: one German line per `CaseEvent`.

Pure presentation of stored payloads (which may have been blanked by retention); kinds this
module does not know in detail (messages, notices, exports) show their label and the
payload's plain `reason`/`title`/`subject` if present.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from openkommune.cases.constants import CaseEventKind, CaseStatus, Decision
from openkommune.core.formatting import format_date

TEXT_PREVIEW = 300
# Events the applicant causes; without a user account they have no actor.
APPLICANT_KINDS = frozenset({CaseEventKind.MESSAGE_RECEIVED, CaseEventKind.NOTICE_OPENED})


@dataclass(frozen=True)
class HistoryEntry:
    sequence: int
    at: datetime.datetime
    kind: str
    title: str
    actor: str
    details: list[str]
    redacted: bool


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def _date_text(value) -> str:
    if not value:
        return ""
    try:
        return format_date(datetime.date.fromisoformat(str(value)[:10]))
    except ValueError:
        return str(value)


def _person(ref) -> str:
    if isinstance(ref, dict):
        return str(ref.get("name") or "")
    return ""


def _preview(text) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= TEXT_PREVIEW else text[: TEXT_PREVIEW - 1] + "…"


def _status_details(payload: dict) -> list[str]:
    lines = [
        _("von „%(from)s“ nach „%(to)s“")
        % {
            "from": _label(CaseStatus, payload.get("from")),
            "to": _label(CaseStatus, payload.get("to")),
        }
    ]
    if payload.get("decision"):
        lines.append(_("Entscheidung: %(d)s") % {"d": _label(Decision, payload["decision"])})
    if payload.get("previous_decision"):
        lines.append(
            _("Bisherige Entscheidung aufgehoben: %(d)s")
            % {"d": _label(Decision, payload["previous_decision"])}
        )
    if payload.get("reason"):
        lines.append(_("Begründung: %(r)s") % {"r": _preview(payload["reason"])})
    return lines


def _details(kind: str, payload: dict) -> list[str]:
    if kind == CaseEventKind.OPENED:
        due = _date_text(payload.get("due_on"))
        return [_("Gesetzliche Frist bis %(d)s") % {"d": due}] if due else []
    if kind == CaseEventKind.STATUS_CHANGED:
        return _status_details(payload)
    if kind == CaseEventKind.ASSIGNED:
        before, after = _person(payload.get("from")), _person(payload.get("to"))
        return [
            _("von %(from)s an %(to)s")
            % {"from": before or _("niemand"), "to": after or _("niemand")}
        ]
    if kind == CaseEventKind.FOLLOW_UP_SET:
        after = _date_text(payload.get("to"))
        return [_("am %(d)s") % {"d": after}] if after else [_("Wiedervorlage entfernt")]
    if kind == CaseEventKind.NOTE_ADDED:
        return [_preview(payload.get("text"))] if payload.get("text") else []
    if kind == CaseEventKind.DOCUMENT_ADDED:
        title, name = payload.get("title"), payload.get("name")
        if title and name and title != name:
            return [f"{title} ({name})"]
        return [str(title or name)] if (title or name) else []
    lines = []
    for key in ("subject", "title", "reason"):
        if payload.get(key):
            lines.append(_preview(payload[key]))
    if payload.get("decision"):
        lines.append(_("Entscheidung: %(d)s") % {"d": _label(Decision, payload["decision"])})
    return lines


def history_entries(events) -> list[HistoryEntry]:
    entries = []
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        user = event.actor
        if user is not None and str(user.pk) == event.actor_key:
            actor = user.get_full_name() or user.email
        elif user is not None:
            # The link was changed behind the hash (verify_audit reports it): name nobody.
            actor = _("unbekannt (passt nicht zum Prüfprotokoll)")
        elif payload.get("via"):
            actor = str(payload["via"])
        elif event.actor_key:
            actor = _("ein gelöschtes Benutzerkonto")
        elif event.kind in APPLICANT_KINDS:
            actor = _("Antragstellerin/Antragsteller")
        else:
            actor = _("System")
        redacted = event.redacted_at is not None
        entries.append(
            HistoryEntry(
                sequence=event.sequence,
                at=event.at,
                kind=event.kind,
                title=_label(CaseEventKind, event.kind),
                actor=actor,
                details=[] if redacted else _details(event.kind, payload),
                redacted=redacted,
            )
        )
    return entries
