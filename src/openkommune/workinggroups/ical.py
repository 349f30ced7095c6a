"""iCalendar (RFC 5545) for the meetings of working groups: the feeds and the invitation's
attachment.

Written by hand (a few properties, no dependency): lines end in CRLF and are folded after at
most 75 octets without splitting a UTF-8 character (3.1); TEXT values escape backslash,
semicolon, comma and line breaks (3.3.11); times are in UTC with the `Z` suffix (3.3.5, form
#2), so no VTIMEZONE is needed. A meeting keeps its UID across changes and counts SEQUENCE up;
a cancelled meeting stays in the feed with STATUS:CANCELLED so calendars remove it.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterable

from openkommune.workinggroups.constants import MeetingStatus

PRODID = "-//OpenKommune//Arbeitskreise//DE"
UID_DOMAIN = "arbeitskreise.openkommune"


def escape_text(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    # Control characters other than line feed and tab are not allowed in TEXT (3.3.11).
    value = "".join(c for c in value if c in "\n\t" or unicodedata.category(c) != "Cc")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line folded into pieces of at most 75 octets (continuations start with a
    space, which counts towards their 75)."""
    pieces: list[str] = []
    current = ""
    limit = 75
    for char in line:
        if len((current + char).encode("utf-8")) > limit:
            pieces.append(current)
            current = ""
            limit = 74  # the leading space of a continuation line
        current += char
    pieces.append(current)
    return "\r\n ".join(pieces)


def utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(meeting, *, url: str = "") -> list[str]:
    agenda = [f"TOP {item.position}: {item.title}" for item in meeting.agenda_items.all()]
    description = "\n".join(part for part in (meeting.group.name, "\n".join(agenda), url) if part)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{meeting.public_id}@{UID_DOMAIN}",
        f"DTSTAMP:{utc(meeting.updated_at)}",
        f"DTSTART:{utc(meeting.starts_at)}",
        f"DTEND:{utc(meeting.ends_at)}",
        f"SEQUENCE:{meeting.sequence}",
        f"SUMMARY:{escape_text(f'{meeting.group.name}: {meeting.title}')}",
        f"DESCRIPTION:{escape_text(description)}",
        "STATUS:CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "STATUS:CONFIRMED",
    ]
    if meeting.location:
        lines.append(f"LOCATION:{escape_text(meeting.location)}")
    if url:
        lines.append(f"URL:{url}")
    lines.append("END:VEVENT")
    return lines


def calendar(meetings: Iterable, *, name: str, urls: dict | None = None) -> bytes:
    """A VCALENDAR with one VEVENT per meeting; `urls` maps a meeting's public id to the
    address of its page (absolute)."""
    urls = urls or {}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for meeting in meetings:
        lines.extend(_event(meeting, url=urls.get(meeting.public_id, "")))
    lines.append("END:VCALENDAR")
    return ("".join(fold(line) + "\r\n" for line in lines)).encode("utf-8")
