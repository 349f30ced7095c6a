"""Texts of notices (Bescheide): the placeholders a template may use, filling them in, the
built-in generic template, and the small markup of a notice text.

A notice text is plain text. Paragraphs are separated by an empty line; a line starting with
`## ` is a heading (so the PDF gets real headings, PDF/UA). Placeholders are written
`{{ name }}` with the names in `PLACEHOLDERS`; they are replaced by plain string substitution,
never by a template engine, so a member's template text cannot reach anything but the values
listed here. An unknown placeholder stays visible as written (the preview shows it).

The built-in template is used when neither the member nor the cooperative has a
`NoticeTemplate` for the service. Its Rechtsbehelfsbelehrung is an EXAMPLE and says so in the
text itself: which remedy applies (Widerspruch or Klage), where and in which form depends on
the Land and the subject, and only the authority can decide it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from openkommune.cases.constants import Decision

# name -> what it stands for (shown to whoever edits a template).
PLACEHOLDERS: dict[str, str] = {
    "reference": _("Aktenzeichen"),
    "service": _("Name der Leistung"),
    "applicant_name": _("Name der Antragstellerin/des Antragstellers"),
    "applicant_address": _("Anschrift der Antragstellerin/des Antragstellers (eine Zeile)"),
    "decision": _("Entscheidung (bewilligt, abgelehnt, teilweise bewilligt)"),
    "reason": _("Begründung, wie beim Erlass eingegeben"),
    "date": _("Datum des Bescheids"),
    "submitted_on": _("Datum des Antragseingangs"),
    "authority": _("Name der Behörde"),
}

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """`text` with every known `{{ name }}` replaced by its value; others stay as written."""

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name in PLACEHOLDERS and name in values:
            return str(values[name])
        return match.group(0)

    return _PLACEHOLDER.sub(replace, text or "")


def unknown_placeholders(text: str) -> list[str]:
    """Placeholder names in `text` that are not in `PLACEHOLDERS` (for a warning)."""
    return sorted({m.group(1) for m in _PLACEHOLDER.finditer(text or "")} - set(PLACEHOLDERS))


@dataclass(frozen=True)
class Block:
    """One block of a notice text: a heading or a paragraph (lines kept)."""

    kind: str  # "heading" or "paragraph"
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def text_blocks(text: str) -> list[Block]:
    """Headings (`## …`) and paragraphs (separated by empty lines) of a notice text."""
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("paragraph", tuple(paragraph)))
            paragraph.clear()

    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        if not line.strip():
            flush()
        elif line.startswith("## "):
            flush()
            blocks.append(Block("heading", (line[3:].strip(),)))
        else:
            paragraph.append(line)
    flush()
    return blocks


# --- the built-in generic template -----------------------------------------------------------

BUILTIN_TITLE = "Bescheid über Ihren Antrag „{{ service }}“"

_OPENING = (
    "Guten Tag {{ applicant_name }},\n\n"
    "über Ihren Antrag vom {{ submitted_on }} (Aktenzeichen {{ reference }}) "
    "entscheiden wir wie folgt:"
)

_TENOR = {
    Decision.APPROVED: "Ihrem Antrag wird stattgegeben.",
    Decision.REJECTED: "Ihr Antrag wird abgelehnt.",
    Decision.PARTIAL: "Ihrem Antrag wird teilweise stattgegeben. Im Übrigen wird er abgelehnt.",
}

_REASONS = "## Begründung\n\n{{ reason }}"

# Marked as an example in the text itself: it is printed like that until the authority
# replaces it with its own template.
_REMEDY = (
    "## Rechtsbehelfsbelehrung\n\n"
    "[BEISPIELTEXT – von der Behörde vor der Verwendung zu prüfen und durch die "
    "zutreffende Rechtsbehelfsbelehrung zu ersetzen]\n\n"
    "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch "
    "erhoben werden. Der Widerspruch ist schriftlich, in elektronischer Form oder zur "
    "Niederschrift bei {{ authority }} einzulegen."
)

_CLOSING = "Mit freundlichen Grüßen\n{{ authority }}"


def builtin_body(decision: str) -> str:
    """The generic German notice text for `decision`, with placeholders."""
    tenor = _TENOR[Decision(decision)]
    return "\n\n".join((_OPENING, tenor, _REASONS, _REMEDY, _CLOSING))


_TENOR_ANY = "Entscheidung: {{ decision }}."


def builtin_generic_body() -> str:
    """The generic text for every decision (the decision as a placeholder): what a member's
    own template starts from on its settings page."""
    return "\n\n".join((_OPENING, _TENOR_ANY, _REASONS, _REMEDY, _CLOSING))
