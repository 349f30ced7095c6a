"""Small parsers for the text values inside FIM XDatenfelder 1.0/2.0 files: cardinality
(`anzahl`), Präzisierung, XSD regular expressions, and slugs for ids and keys.

Pure functions without Django or XML, so they can be tested on their own (hypothesis).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

# The largest number of entries a repeated group may have (form-definition.schema.json).
MAX_REPEAT = 100
SLUG_MAX = 63

_CARDINALITY = re.compile(r"\s*([0-9]{1,6})\s*:\s*([0-9]{1,6}|\*|n|N)\s*")


@dataclass(frozen=True)
class Cardinality:
    """FIM `anzahl`: `min:max`, where max None means unbounded (`*` or `n`)."""

    min: int
    max: int | None

    @property
    def required(self) -> bool:
        return self.min >= 1

    @property
    def repeated(self) -> bool:
        return self.max is None or self.max > 1

    @property
    def absent(self) -> bool:
        return self.max == 0

    def __str__(self) -> str:
        return f"{self.min}:{'*' if self.max is None else self.max}"


class CardinalityError(ValueError):
    pass


def parse_cardinality(text: str | None) -> Cardinality:
    """`0:1`, `1:1`, `0:*`, `1:n`, `2:5` … Raises CardinalityError (German message) on
    anything else, including min > max."""
    if text is None or not text.strip():
        raise CardinalityError("Die Anzahl (Kardinalität) fehlt.")
    match = _CARDINALITY.fullmatch(text)
    if not match:
        raise CardinalityError(f"Die Anzahl „{text.strip()}“ ist keine Angabe der Form min:max.")
    low = int(match.group(1))
    high = None if match.group(2) in ("*", "n", "N") else int(match.group(2))
    if high is not None and low > high:
        raise CardinalityError(
            f"Die Anzahl „{text.strip()}“ ist widersprüchlich: Mindestzahl größer als Höchstzahl."
        )
    return Cardinality(low, high)


# --- Präzisierung ------------------------------------------------------------------------


@dataclass
class Praezisierung:
    """The constraints of a Präzisierung. Values stay strings for min/max value because
    they may be numbers or dates; the mapper decides by the field type."""

    min_length: int | None = None
    max_length: int | None = None
    min_value: str | None = None
    max_value: str | None = None
    pattern: str | None = None
    # XDatenfelder 1.0 select fields name their code list here instead of a JSON object.
    code_list_name: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(
            value is not None
            for value in (
                self.min_length,
                self.max_length,
                self.min_value,
                self.max_value,
                self.pattern,
                self.code_list_name,
            )
        )


def _as_text(value) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _as_length(value) -> int | None:
    text = _as_text(value)
    if text is None or not re.fullmatch(r"[0-9]{1,9}", text):
        return None
    return int(text)


# The bounds of a Präzisierung: key → (attribute, reader, what a value it refuses is not).
_BOUND_KEYS = {
    "minLength": ("min_length", _as_length, "keine Länge"),
    "maxLength": ("max_length", _as_length, "keine Länge"),
    "minValue": ("min_value", _as_text, "kein Wert"),
    "maxValue": ("max_value", _as_text, "kein Wert"),
}


def parse_praezisierung(text: str | None) -> Praezisierung:
    """A Präzisierung as found in XDatenfelder 1.0/2.0 files.

    Real files hold a JSON object with string values (`{"minLength":"1","maxLength":"60"}`,
    `minValue`, `maxValue`, `pattern`), in 1.0 also the bare name of a code list (`Anrede`).
    Never raises: what cannot be read ends up in `problems` (German).
    """
    result = Praezisierung()
    if text is None or not text.strip():
        return result
    text = text.strip()
    if not text.startswith("{"):
        if "\n" in text or len(text) > 200:
            result.problems.append(f"Präzisierung nicht lesbar: „{text[:80]}“.")
        else:
            result.code_list_name = text
        return result
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        result.problems.append(f"Präzisierung ist kein gültiges JSON: „{text[:80]}“.")
        return result
    if not isinstance(raw, dict):
        result.problems.append(f"Präzisierung ist kein JSON-Objekt: „{text[:80]}“.")
        return result
    for key, value in raw.items():
        if key in _BOUND_KEYS:
            attribute, read, refused = _BOUND_KEYS[key]
            bound = read(value)
            if bound is None:
                result.problems.append(f"Präzisierung „{key}“: „{value}“ ist {refused}.")
            else:
                setattr(result, attribute, bound)
        elif key == "pattern":
            if isinstance(value, str) and value:
                result.pattern = value
            else:
                result.problems.append("Präzisierung „pattern“ ist leer oder kein Text.")
        else:
            result.problems.append(f"Präzisierung „{key}“ ist unbekannt und wurde ignoriert.")
    return result


def parse_number(text: str) -> int | float | None:
    """A number bound from a Präzisierung (`1`, `-2.5`, `1,5`): int when integral."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        return None
    if not value.is_finite():
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


# --- XSD regular expressions --------------------------------------------------------------

# Letters of the Latin, Greek and Cyrillic scripts: what German forms meet in names and
# addresses. Python's `re` has no \p{L}; inside a character class we cannot use [^\W\d_].
_LETTER_RANGES = "A-Za-zªµºÀ-ÖØ-öø-ɏͰ-ϿЀ-ӿḀ-ỿ"
_UPPER_RANGES = "A-ZÀ-ÖØ-ÞĀ-ɏͰ-ϿЀ-ӿ"
_LOWER_RANGES = "a-zß-öø-ÿĀ-ɏͰ-ϿЀ-ӿ"
_PROPERTY_RANGES = {
    "L": _LETTER_RANGES,
    "Lu": _UPPER_RANGES,
    "Ll": _LOWER_RANGES,
    "N": "0-9",
    "Nd": "0-9",
}
_APPROXIMATED_PROPERTIES = {"L", "Lu", "Ll"}


class PatternError(ValueError):
    pass


@dataclass(frozen=True)
class TranslatedPattern:
    pattern: str
    approximated: bool


def translate_xsd_pattern(xsd: str) -> TranslatedPattern:
    """An XSD `pattern` (always matched as a whole, like our `fullmatch`) as a Python regex.

    Translates `\\p{L}`, `\\p{Lu}`, `\\p{Ll}` (approximated by Latin, Greek and Cyrillic
    letters) and `\\p{N}`/`\\p{Nd}`. Raises PatternError (German) for XSD features Python
    lacks (`\\i`, `\\c`, other properties, class subtraction) or a pattern that does not
    compile.
    """
    out: list[str] = []
    approximated = False
    in_class = False
    i = 0
    while i < len(xsd):
        char = xsd[i]
        if char == "\\":
            if i + 1 >= len(xsd):
                raise PatternError("Das Muster endet mit einem einzelnen „\\“.")
            nxt = xsd[i + 1]
            if nxt in "pP":
                match = re.match(r"\{([A-Za-z]{1,3})\}", xsd[i + 2 :])
                if not match or match.group(1) not in _PROPERTY_RANGES or nxt == "P":
                    raise PatternError(
                        f"Das Muster nutzt „{xsd[i : i + 8]}“; das gibt es in Python nicht."
                    )
                name = match.group(1)
                approximated = approximated or name in _APPROXIMATED_PROPERTIES
                ranges = _PROPERTY_RANGES[name]
                out.append(ranges if in_class else f"[{ranges}]")
                i += 2 + len(match.group(0))
                continue
            if nxt in "iIcC":
                raise PatternError(f"Das Muster nutzt „\\{nxt}“ (XML-Namenszeichen).")
            out.append(xsd[i : i + 2])
            i += 2
            continue
        if char == "[":
            if in_class:
                raise PatternError("Das Muster nutzt verschachtelte Zeichenklassen.")
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif char == "-" and in_class and xsd[i + 1 : i + 2] == "[":
            raise PatternError("Das Muster nutzt Klassen-Subtraktion („-[…]“).")
        out.append(char)
        i += 1
    pattern = "".join(out)
    try:
        re.compile(pattern)
    except re.error as exc:
        raise PatternError(f"Das Muster lässt sich nicht übersetzen ({exc}).") from exc
    return TranslatedPattern(pattern, approximated)


# --- Slugs --------------------------------------------------------------------------------

_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)


def slugify(
    text: str, *, max_length: int = SLUG_MAX, fallback: str = "x", leading_letter: bool = True
) -> str:
    """`Antrag Blaue Karte EU` → `antrag_blaue_karte_eu`: matches `^[a-z][a-z0-9_]{0,62}$`
    (German umlauts spelled out, other accents dropped)."""
    text = (text or "").translate(_UMLAUTS)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not slug:
        slug = fallback
    if leading_letter and not slug[0].isalpha():
        slug = f"{fallback}_{slug}"
    return slug[:max_length].rstrip("_") or fallback


def element_slug(fim_id: str, name: str, *, qualifier: str = "") -> str:
    """The id of a FIM element: `F00000043` + `Titel` → `f00000043_titel`; a qualifier
    (the parent's FIM id) keeps repeated uses of one element apart."""
    head = slugify(fim_id, fallback="e")
    if qualifier:
        head = f"{head}_{slugify(qualifier, fallback='e')}"
    rest = SLUG_MAX - len(head) - 1
    tail = slugify(name, max_length=rest, fallback="", leading_letter=False) if rest > 0 else ""
    return f"{head}_{tail}"[:SLUG_MAX].rstrip("_") if tail else head[:SLUG_MAX]
