"""vCard 4.0 (RFC 6350) of an organisation's contact, for "Ins Adressbuch exportieren".

Written by hand rather than with a library: the few properties an office needs, escaped
(RFC 6350 3.4), CRLF line endings and lines folded at 75 octets without splitting a UTF-8
character (3.2). Telephone numbers become `tel:` URIs (RFC 3966) when they can be read as a
German number; anything else is kept as text (`VALUE=text`), never guessed.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

CRLF = "\r\n"
MAX_LINE_OCTETS = 75


@dataclass(frozen=True)
class Contact:
    """What the card says. `name` is the organisation (FN and ORG); `unit` a department."""

    name: str
    uid: str  # a URN, e.g. "urn:uuid:…"
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = "Deutschland"
    email: str = ""
    phone: str = ""
    url: str = ""
    unit: str = ""
    note: str = ""
    revised: datetime.datetime | None = None


# Control characters other than tab and line breaks are not allowed in a vCard (RFC 6350
# 3.3, VALUE-CHAR and QSAFE-CHAR): dropped.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape_text(value: str) -> str:
    """A text value (RFC 6350 3.4): backslash, comma, semicolon and newlines escaped."""
    value = _CONTROL.sub("", value)
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def escape_param(value: str) -> str:
    """A quoted parameter value: RFC 6868 caret escapes for newline, quote and caret."""
    value = _CONTROL.sub("", value)
    value = value.replace("^", "^^").replace('"', "^'")
    return '"' + value.replace("\r\n", "^n").replace("\n", "^n").replace("\r", "^n") + '"'


def fold(line: str) -> str:
    """The content line folded into lines of at most 75 octets, each continuation starting
    with one space; never inside a UTF-8 character."""
    parts: list[str] = []
    current, size, limit = "", 0, MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, MAX_LINE_OCTETS - 1
        current += char
        size += width
    parts.append(current)
    return (CRLF + " ").join(parts)


_PHONE_CHARS = re.compile(r"[\s/()\-.]+")


def tel_uri(phone: str) -> str | None:
    """`tel:+49…` for a German number written nationally (0391 …) or internationally
    (+49 …, 0049 …); None when the text is not just a number."""
    # "+49 (0)391 …": the national trunk prefix in brackets is not dialled internationally.
    digits = _PHONE_CHARS.sub("", phone.strip().replace("(0)", ""))
    if digits.startswith("+"):
        number = digits[1:]
    elif digits.startswith("00"):
        number = digits[2:]
    elif digits.startswith("0"):
        number = "49" + digits[1:]
    else:
        return None
    if not number.isdigit() or not 6 <= len(number) <= 15:
        return None
    return f"tel:+{number}"


def render(contact: Contact) -> str:
    """The vCard 4.0 text of `contact` (CRLF line endings, folded)."""
    lines = ["BEGIN:VCARD", "VERSION:4.0", "PRODID:-//OpenKommune//vCard 4.0//DE", "KIND:org"]
    lines.append(f"UID:{contact.uid}")
    lines.append(f"FN:{escape_text(contact.name)}")
    org = escape_text(contact.name)
    if contact.unit:
        org += ";" + escape_text(contact.unit)
    lines.append(f"ORG:{org}")
    if contact.street or contact.postcode or contact.city:
        label = "\n".join(
            part for part in (contact.street, f"{contact.postcode} {contact.city}".strip()) if part
        )
        components = ["", "", contact.street, contact.city, "", contact.postcode, contact.country]
        lines.append(
            f"ADR;TYPE=work;LABEL={escape_param(label)}:"
            + ";".join(escape_text(component) for component in components)
        )
    if contact.phone:
        uri = tel_uri(contact.phone)
        if uri:
            lines.append(f"TEL;VALUE=uri;TYPE=work,voice:{uri}")
        else:
            lines.append(f"TEL;VALUE=text;TYPE=work:{escape_text(contact.phone)}")
    if contact.email:
        lines.append(f"EMAIL;TYPE=work:{escape_text(contact.email)}")
    if contact.url:
        lines.append(f"URL:{contact.url}")
    if contact.note:
        lines.append(f"NOTE:{escape_text(contact.note)}")
    if contact.revised is not None:
        revised = contact.revised.astimezone(datetime.UTC)
        lines.append(f"REV:{revised:%Y%m%dT%H%M%SZ}")
    lines.append("END:VCARD")
    return "".join(fold(line) + CRLF for line in lines)


def filename(name: str) -> str:
    """A file name for the card: letters, digits and hyphens of `name` plus `.vcf`."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", name.translate(_UMLAUTS)).strip("-").lower()
    return f"{stem or 'kontakt'}.vcf"


_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)
