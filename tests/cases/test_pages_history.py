"""The case file's history lines, from stored event payloads (no database)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from openkommune.cases.constants import CaseEventKind
from openkommune.cases.selectors.history import history_entries

AT = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)


def event(kind, payload, *, actor=None, actor_key="", redacted=False, sequence=1):
    return SimpleNamespace(
        sequence=sequence,
        at=AT,
        kind=kind,
        payload=payload,
        actor=actor,
        actor_key=actor_key,
        redacted_at=AT if redacted else None,
    )


def clerk():
    return SimpleNamespace(pk=7, get_full_name=lambda: "Clara Clerk", email="clara@example.org")


def test_status_change_with_decision_and_reason():
    (entry,) = history_entries(
        [
            event(
                CaseEventKind.STATUS_CHANGED,
                {"from": "in_progress", "to": "decided", "decision": "partial", "reason": "Teils."},
                actor=clerk(),
                actor_key="7",
            )
        ]
    )
    assert entry.title == "Status geändert"
    assert entry.actor == "Clara Clerk"
    assert entry.details == [
        "von „in Bearbeitung“ nach „entschieden“",
        "Entscheidung: teilweise bewilligt",
        "Begründung: Teils.",
    ]


def test_other_kinds_read_as_german_lines():
    entries = history_entries(
        [
            event(CaseEventKind.OPENED, {"due_on": "2026-04-01"}),
            event(CaseEventKind.ASSIGNED, {"from": None, "to": {"id": 3, "name": "Karl"}}),
            event(CaseEventKind.FOLLOW_UP_SET, {"from": "2026-03-05", "to": None}),
            event(CaseEventKind.FOLLOW_UP_SET, {"from": None, "to": "2026-03-09"}),
            event(CaseEventKind.DOCUMENT_ADDED, {"title": "Vermerk", "name": "v.pdf"}),
            event(CaseEventKind.NOTE_ADDED, {"text": "x" * 400}),
        ]
    )
    assert [e.details for e in entries[:5]] == [
        ["Gesetzliche Frist bis 01.04.2026"],
        ["von niemand an Karl"],
        ["Wiedervorlage entfernt"],
        ["am 09.03.2026"],
        ["Vermerk (v.pdf)"],
    ]
    assert len(entries[5].details[0]) == 300
    assert entries[5].details[0].endswith("…")


def test_actors_without_a_user_and_redacted_payloads():
    system, applicant, deleted, api = history_entries(
        [
            event(CaseEventKind.OPENED, {}),
            event(CaseEventKind.MESSAGE_RECEIVED, {}),
            event(CaseEventKind.NOTE_ADDED, {"text": "geheim"}, actor_key="9", redacted=True),
            event(CaseEventKind.STATUS_CHANGED, {"from": "received", "to": "in_progress",
                                                 "via": "API-Schlüssel Fachverfahren"}),
        ]
    )  # fmt: skip
    assert system.actor == "System"
    assert applicant.actor == "Antragstellerin/Antragsteller"
    assert deleted.actor == "ein gelöschtes Benutzerkonto"
    assert deleted.redacted
    assert deleted.details == []
    assert api.actor == "API-Schlüssel Fachverfahren"


def test_unknown_payload_keys_of_other_kinds_are_shown_plainly():
    (entry,) = history_entries(
        [event(CaseEventKind.NOTICE_ISSUED, {"title": "Bescheid", "decision": "approved"})]
    )
    assert entry.title == "Bescheid bereitgestellt"
    assert entry.details == ["Bescheid", "Entscheidung: bewilligt"]


def test_a_user_link_that_does_not_match_the_hashed_id_names_nobody():
    (entry,) = history_entries(
        [event(CaseEventKind.NOTE_ADDED, {"text": "x"}, actor=clerk(), actor_key="8")]
    )
    assert "Clara" not in entry.actor
    assert entry.actor == "unbekannt (passt nicht zum Prüfprotokoll)"
