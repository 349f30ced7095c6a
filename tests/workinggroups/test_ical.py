"""The iCalendar writer against RFC 5545 (folding, escaping, UTC times) and parsed back with
the `icalendar` package."""

from __future__ import annotations

import datetime
import unicodedata
import uuid
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from openkommune.workinggroups import ical
from openkommune.workinggroups.constants import MeetingStatus


def _meeting(**fields):
    agenda = fields.pop("agenda", [])
    items = [SimpleNamespace(position=n, title=t) for n, t in enumerate(agenda, 1)]
    values = {
        "public_id": uuid.uuid4(),
        "title": "Sitzung",
        "group": SimpleNamespace(name="Arbeitskreis IT-Sicherheit"),
        "starts_at": datetime.datetime(2026, 3, 29, 9, 30, tzinfo=datetime.UTC),
        "ends_at": datetime.datetime(2026, 3, 29, 12, 0, tzinfo=datetime.UTC),
        "updated_at": datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC),
        "location": "",
        "status": MeetingStatus.PLANNED,
        "sequence": 0,
        "agenda_items": SimpleNamespace(all=lambda: items),
    }
    values.update(fields)
    return SimpleNamespace(**values)


def _unfold(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_lines_end_in_crlf_and_fold_at_75_octets():
    meeting = _meeting(title="Ä" * 100, location="Straße; Haus, 1\nHinterhof\\links")
    data = ical.calendar([meeting], name="Test")
    assert data.endswith(b"\r\n")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # no character split across lines
    lines = _unfold(data)
    assert "LOCATION:Straße\\; Haus\\, 1\\nHinterhof\\\\links" in lines
    assert "DTSTART:20260329T093000Z" in lines


def test_parsed_back_by_the_icalendar_package():
    cancelled = _meeting(
        title="Ausgefallen", status=MeetingStatus.CANCELLED, sequence=3, location="Halle"
    )
    planned = _meeting(title="Frühjahr", agenda=["Begrüßung", "Haushalt 2027"])
    data = ical.calendar(
        [planned, cancelled], name="Arbeitskreise", urls={planned.public_id: "https://x.example/s/"}
    )
    calendar = Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == ical.PRODID
    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == [
        "Arbeitskreis IT-Sicherheit: Frühjahr",
        "Arbeitskreis IT-Sicherheit: Ausgefallen",
    ]
    first, second = events
    assert str(first["UID"]) == f"{planned.public_id}@{ical.UID_DOMAIN}"
    assert first.decoded("DTSTART") == planned.starts_at
    assert first.decoded("DTEND") == planned.ends_at
    assert "TOP 2: Haushalt 2027" in str(first["DESCRIPTION"])
    assert str(first["URL"]) == "https://x.example/s/"
    assert (str(second["STATUS"]), int(second["SEQUENCE"])) == ("CANCELLED", 3)
    assert str(second["LOCATION"]) == "Halle"


@given(st.text(min_size=0, max_size=400))
def test_any_text_survives_escaping_and_folding(text):
    meeting = _meeting(location=text or "x")
    data = ical.calendar([meeting], name="x")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    event = Calendar.from_ical(data).walk("VEVENT")[0]
    expected = (text or "x").replace("\r\n", "\n").replace("\r", "\n")
    expected = "".join(c for c in expected if c in "\n\t" or unicodedata.category(c) != "Cc")
    assert str(event["LOCATION"]) == expected
