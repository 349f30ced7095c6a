"""Validation and interpretation of single catalogue values. Pure functions, no database.

Each `parse_*` function raises `ValueError` with a German message; the file parser adds the
file and line and turns it into `OfficialFileError`.
"""

import re

from django.utils.translation import gettext as _

from openkommune.catalog.constants import (
    LEBENSLAGEN,
    LEIKA_KEY_LENGTH,
    LEIKA_KEY_REGEX,
    LEIKA_URN_PREFIX,
    OZG_ID_REGEX,
    TYPISIERUNG_EBENEN,
    UNTERNEHMENSLAGEN,
    Ebene,
    LageKind,
    TypisierungCode,
)

# re.ASCII: "\d"-like Unicode digits (e.g. Arabic-Indic) must not pass as key digits.
_LEIKA_KEY = re.compile(LEIKA_KEY_REGEX, re.ASCII)
_OZG_ID = re.compile(OZG_ID_REGEX, re.ASCII)
_KNOWN_CODES = frozenset(TypisierungCode.values)

# The catalogue export writes Python booleans ("True"/"False"); the other spellings are
# what spreadsheet exports of the same columns produce. Empty is not guessed.
_TRUE = frozenset({"true", "wahr", "ja", "1", "x"})
_FALSE = frozenset({"false", "falsch", "nein", "0"})


def is_valid_leika_key(value: str) -> bool:
    return _LEIKA_KEY.fullmatch(value) is not None


def parse_leika_key(value: str) -> str:
    """Return the key unchanged if it is 14 digits starting with 99."""
    if is_valid_leika_key(value):
        return value
    if not value.isascii() or not value.isdigit():
        problem = _("enthält andere Zeichen als Ziffern")
    elif len(value) != LEIKA_KEY_LENGTH:
        problem = _("hat %(count)d statt 14 Ziffern") % {"count": len(value)}
    else:
        problem = _("beginnt nicht mit 99")
    raise ValueError(
        _("Ungültiger LeiKa-Schlüssel „%(value)s“: %(problem)s.")
        % {"value": value, "problem": problem}
    )


def leika_key_parts(key: str) -> dict[str, str]:
    """Split a valid key into its official parts (for display and grouping)."""
    return {
        "gruppierung": key[2:5],
        "kennung": key[5:8],
        "verrichtung": key[8:11],
        "verrichtungsdetail": key[11:14],
    }


def leika_urn(key: str) -> str:
    return f"{LEIKA_URN_PREFIX}{key}"


def parse_ozg_id(value: str) -> str:
    if _OZG_ID.fullmatch(value) is None:
        raise ValueError(
            _("Ungültige OZG-ID „%(value)s“: erwartet werden 5 Ziffern.") % {"value": value}
        )
    return value


def parse_bool(value: str) -> bool:
    normalised = value.strip().lower()
    if normalised in _TRUE:
        return True
    if normalised in _FALSE:
        return False
    raise ValueError(
        _("Ungültiger Wahrheitswert „%(value)s“: erwartet wird True oder False.") % {"value": value}
    )


def parse_typisierung(value: str) -> list[str]:
    """ "1, 2/3" -> ["1", "2/3"]; empty -> []. Unknown or empty parts are errors.

    Order and repetitions are kept as written, so the list reproduces the official value.
    """
    if not value.strip():
        return []
    codes = [part.strip() for part in value.split(",")]
    for code in codes:
        if code not in _KNOWN_CODES:
            raise ValueError(
                _("Unbekannte Typisierung „%(code)s“ in „%(value)s“; bekannt sind: %(known)s.")
                % {"code": code, "value": value, "known": ", ".join(TypisierungCode.values)}
            )
    return codes


def _join_german(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return _("%(first)s oder %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}


def describe_typisierung(codes: list[str]) -> str:
    """Say in words who regulates and who executes, e.g. "Regelung: Bund; Vollzug: Land
    oder Kommune". Several codes are merged ("1, 2/3" -> Vollzug: Bund, Land oder Kommune);
    code 6 is named as not explained rather than interpreted."""
    if not codes:
        return _("keine Angabe")
    regulators: list[Ebene] = []
    executors: list[Ebene] = []
    unexplained: list[str] = []
    for code in codes:
        if code not in TYPISIERUNG_EBENEN:
            if code not in unexplained:
                unexplained.append(code)
            continue
        regelung, vollzug = TYPISIERUNG_EBENEN[code]
        regulators += [ebene for ebene in regelung if ebene not in regulators]
        executors += [ebene for ebene in vollzug if ebene not in executors]
    parts = []
    if regulators:
        # Sort by level so the merged text reads Bund, Land, Kommune whatever the code order.
        order = list(Ebene)
        parts.append(
            _("Regelung: %(who)s")
            % {"who": _join_german([str(e.label) for e in sorted(regulators, key=order.index)])}
        )
        parts.append(
            _("Vollzug: %(who)s")
            % {"who": _join_german([str(e.label) for e in sorted(executors, key=order.index)])}
        )
    parts += [_("Typ %(code)s: nicht erläutert") % {"code": code} for code in unexplained]
    return "; ".join(parts)


def executed_by_kommune(codes: list[str]) -> bool:
    """True when a Kommune may execute the service (codes 2, 3, 2/3, 4 and 5)."""
    return any(Ebene.KOMMUNE in TYPISIERUNG_EBENEN.get(code, ((), ()))[1] for code in codes)


def classify_lage(name: str) -> LageKind:
    """Lebens- or Unternehmenslage of a Lage, by its exact official name.

    The catalogue files do not say whom a Lage addresses. The rule: a name on the reviewed
    list `constants.UNTERNEHMENSLAGEN` (the Unternehmenslagen of the OZG-Umsetzungskatalog
    plus "Querschnitt Unternehmen") is an Unternehmenslage, a name on
    `constants.LEBENSLAGEN` a Lebenslage; any other name is `LageKind.UNBEKANNT`, never a
    guess. The import summary counts those, so a new release's Lagen get reviewed.
    """
    if name in UNTERNEHMENSLAGEN:
        return LageKind.UNTERNEHMENSLAGE
    if name in LEBENSLAGEN:
        return LageKind.LEBENSLAGE
    return LageKind.UNBEKANNT


# "§ 2a Tierschutzgesetz (TierSchG) [http://www.gesetze-im-internet.de/…], § 5 … [https://…]":
# the catalogue's legal bases, each a name with its address in brackets, comma-separated.
_LEGAL_BASIS = re.compile(r"\s*,?\s*([^\[\]]*?)\s*\[([^\[\]]*)\]")


def legal_bases(text: str) -> list[tuple[str, str]]:
    """The legal bases of a catalogue row as (name, link); the link is "" where the row
    gives no web address. A name without an address keeps its text; an address without a
    name is named by its host and path. Only http(s) addresses become links."""
    result: list[tuple[str, str]] = []
    position = 0
    for match in _LEGAL_BASIS.finditer(text):
        before = text[position : match.start()].strip(" ,")
        if before:
            result.append((before, ""))
        name, address = match.group(1).strip(" ,"), match.group(2).strip()
        if address.startswith("www."):
            address = f"https://{address}"
        if not re.match(r"https?://", address):
            name, address = f"{name} [{address}]".strip(), ""
        result.append((name or re.sub(r"^https?://", "", address), address))
        position = match.end()
    rest = text[position:].strip(" ,")
    if rest:
        result.append((rest, ""))
    return result
