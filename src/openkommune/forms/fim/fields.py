"""One FIM Datenfeld → one field of our format: Feldart x Datentyp → type, Präzisierung →
constraints, code list references → code lists. Every approximation goes into the report.
Used by `importer.py`; the table is in docs/fim-import.md."""

from __future__ import annotations

import datetime
import re

from openkommune.forms.fim.codelists import CodeListIndex
from openkommune.forms.fim.parsers import (
    Cardinality,
    PatternError,
    Praezisierung,
    parse_number,
    parse_praezisierung,
    slugify,
    translate_xsd_pattern,
)
from openkommune.forms.fim.reader import FimCodeListRef, FimElement, GenericodeList

# Datentyp of an input field → our field type.
DATENTYP_TYPES = {
    "text": "text",
    "date": "date",
    "bool": "boolean",
    "num": "decimal",
    "num_int": "integer",
    "num_currency": "money",
    "file": "file",
    "obj": "file",
    # XDatenfelder 3
    "text_latin": "text",
    "time": "text",
    "datetime": "text",
}
# XDatenfelder 3 types without an engine type: a text with a pattern, reported.
TIME_PATTERN = "([01][0-9]|2[0-3]):[0-5][0-9]"
DATETIME_PATTERN = "[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?"
# Media types a file field of the engine accepts (form-definition.schema.json).
ENGINE_MEDIA_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/tiff", "text/plain")
MAX_FILE_SIZE = 52428800
LENGTH_TYPES = frozenset({"text", "textarea", "email", "phone"})
NUMBER_TYPES = frozenset({"integer", "decimal", "money"})
# A text longer than this is asked for in a multi-line box.
TEXTAREA_FROM = 1000
_TEXTAREA_NAME = re.compile(
    r"beschreibung|begründung|bemerkung|erläuterung|anmerkung|freitext", re.IGNORECASE
)
# Names that say what a text field holds, where our type checks the value better. Only
# applied to Datentyp text, and always reported.
_NAMED_TYPES = (
    ("email", re.compile(r"e-?mail", re.IGNORECASE), "E-Mail-Adresse"),
    ("iban", re.compile(r"\biban\b", re.IGNORECASE), "IBAN"),
    (
        "phone",
        re.compile(r"telefon(?!isch)|telefax|\bfax|mobilfunk|mobilnummer|handy", re.IGNORECASE),
        "Telefonnummer",
    ),
)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
CODE_MAX = 100
LABEL_MAX = 500
HELP_MAX = 4000
PATTERN_MAX = 500


def _iso_date(text: str) -> str | None:
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return text


def _describe(ref: FimCodeListRef | None, name: str) -> str:
    if ref is not None and ref.uri:
        return f"„{ref.uri}“" + (f" (Version {ref.version})" if ref.version else "")
    return f"„{name or (ref.name if ref else '') or 'ohne Kennung'}“"


MISSING_HINT_COMMAND = (
    "Mit --codelists die genericode-Datei angeben (oder in die Codelisten-Bibliothek des "
    "Formular-Studios hochladen), dann wird es ein Auswahlfeld."
)


class FieldMapper:
    def __init__(self, report, index: CodeListIndex, *, clip, missing_hint: str = ""):
        self.report = report
        self.index = index
        self.clip = clip
        self.missing_hint = missing_hint or MISSING_HINT_COMMAND
        self.code_lists: dict[str, dict] = {}
        self._keys: dict[tuple[str, str, str], str] = {}
        # Code lists referenced but not available: (uri or name, version) -> item ids.
        self.missing: dict[tuple[str, str], list[str]] = {}
        for problem in index.problems:
            report.add("dropped", problem)

    def note(self, kind: str, message: str, element: FimElement, item_id: str):
        self.report.add(kind, message, element, item_id)

    def map(self, element: FimElement, item_id: str, label: str, card: Cardinality) -> dict | None:
        feldart = element.feldart.lower()
        datentyp = element.datentyp.lower()
        prae = parse_praezisierung(element.praezisierung)
        for problem in prae.problems:
            self.note("approximation", f"{problem} Ignoriert.", element, item_id)
        if feldart == "hidden":
            value = f" (Wert „{element.inhalt}“)" if element.inhalt else ""
            self.note(
                "dropped",
                f"Feldart hidden{value}: verborgene Felder sieht die antragstellende Person "
                "nicht; nicht übernommen, der Wert fehlt in den Antragsdaten.",
                element,
                item_id,
            )
            return None
        item: dict = {"kind": "field", "id": item_id, "label": label}
        if feldart in ("label", "locked"):
            return self._info(element, item, feldart, prae)
        if feldart not in ("input", "select"):
            self.note(
                "approximation",
                f"Feldart „{element.feldart or '(leer)'}“ ist unbekannt; als Eingabefeld "
                "übernommen.",
                element,
                item_id,
            )
            feldart = "input"
        field_type = None
        if feldart == "select":
            field_type = self._choice(element, item, prae, card)
        elif element.code_list is not None and element.code_list.uri:
            self.note(
                "approximation",
                f"Eingabefeld mit Codeliste {_describe(element.code_list, '')}: die Codeliste "
                "wird bei Feldart input nicht angewendet.",
                element,
                item_id,
            )
        if field_type is None:
            field_type = self._input_type(element, item_id, datentyp, prae)
        item["type"] = field_type
        if card.required:
            item["required"] = True
        if element.help:
            item["help"] = self.clip(element.help, HELP_MAX, "Der Hilfetext", element, item_id)
        if element.inhalt:
            self.note(
                "approximation",
                f"Vorbelegung „{element.inhalt}“ nicht übernommen: das Formularformat kennt "
                "keine vorbelegten Werte.",
                element,
                item_id,
            )
        self._constraints(element, item, prae)
        if datentyp in ("time", "datetime") and item["type"] == "text" and "pattern" not in item:
            item["pattern"] = TIME_PATTERN if datentyp == "time" else DATETIME_PATTERN
        if item["type"] == "file":
            self._file(element, item)
        if element.fim_id:
            item["fim_id"] = element.fim_id[:30]
        return item

    def _file(self, element: FimElement, item: dict):
        """XDatenfelder 3 `maxSize` and `mediaType` of a file field."""
        if element.max_size is not None:
            if 1 <= element.max_size <= MAX_FILE_SIZE:
                item["max_size"] = element.max_size
            else:
                self.note(
                    "approximation",
                    f"maxSize {element.max_size} liegt außerhalb 1 … {MAX_FILE_SIZE} Byte; "
                    "ignoriert.",
                    element,
                    item["id"],
                )
        if element.media_types:
            known = [t for t in element.media_types if t in ENGINE_MEDIA_TYPES]
            unknown = [t for t in element.media_types if t not in ENGINE_MEDIA_TYPES]
            if known:
                item["accept"] = list(dict.fromkeys(known))
            if unknown:
                self.note(
                    "approximation",
                    f"Dateiart(en) {', '.join(unknown)} kennt das Formular nicht; "
                    + ("nur die bekannten übernommen." if known else "alle Dateiarten erlaubt."),
                    element,
                    item["id"],
                )

    # --- kinds of fields

    def _info(self, element, item, feldart, prae: Praezisierung) -> dict:
        item["type"] = "info"
        parts = []
        if feldart == "locked":
            if element.inhalt:
                parts.append(f"Vorbelegter Wert: {element.inhalt}")
            self.note(
                "approximation",
                "Feldart locked (schreibgeschützt): als Hinweistext übernommen; der "
                "vorbelegte Wert wird nicht Teil der Antragsdaten.",
                element,
                item["id"],
            )
        elif element.inhalt:
            parts.append(element.inhalt)
        if element.help:
            parts.append(element.help)
        if parts:
            item["help"] = self.clip("\n\n".join(parts), HELP_MAX, "Der Text", element, item["id"])
        if prae.min_length not in (None, 0, 1) or any(
            v is not None for v in (prae.max_length, prae.min_value, prae.max_value, prae.pattern)
        ):
            self.note(
                "approximation",
                f"Präzisierung gilt nicht für Hinweistexte (Feldart {feldart}); ignoriert.",
                element,
                item["id"],
            )
        if element.fim_id:
            item["fim_id"] = element.fim_id[:30]
        return item

    def _choice(self, element, item, prae: Praezisierung, card: Cardinality) -> str | None:
        ref = element.code_list
        if element.values and not (ref is not None and ref.uri):
            # XDatenfelder 3: the field's own values (`werte`) are its code list.
            code_list, exact = GenericodeList(
                uri="", version="", version_uri="", name=element.label or element.name,
                entries=list(element.values), path=f"werte:{element.path}",
            ), True  # fmt: skip
        else:
            code_list, exact = self.index.find(ref, prae.code_list_name)
        key = self._code_list_key(code_list, ref, element, item["id"]) if code_list else None
        if key is None:
            self.note(
                "approximation",
                f"Codeliste {_describe(ref, prae.code_list_name)} liegt nicht vor: als "
                f"Freitextfeld übernommen. {self.missing_hint}",
                element,
                item["id"],
            )
            name = (ref.uri if ref is not None and ref.uri else "") or prae.code_list_name or ""
            version = ref.version if ref is not None else ""
            self.missing.setdefault((name, version), []).append(item["id"])
            prae.code_list_name = None
            return None
        if not exact:
            self.note(
                "approximation",
                f"Codeliste {_describe(ref, '')} liegt nur in Version {code_list.version} vor; "
                "diese wurde verwendet.",
                element,
                item["id"],
            )
        item["choices"] = key
        if not card.repeated:
            return "choice"
        count = len(self.code_lists[key]["entries"])
        # The cardinality becomes the number of answers (docs/forms.md, multichoice min/max).
        bounds = []
        if card.min > 1:
            item["min"] = min(card.min, count)
            bounds.append(f"mindestens {item['min']}")
        if card.max is not None and card.max < count:
            item["max"] = max(card.max, item.get("min", 1))
            bounds.append(f"höchstens {item['max']}")
        self.note(
            "approximation",
            f"Auswahlfeld mit Anzahl {card}: als Mehrfachauswahl übernommen"
            + (f" ({' und '.join(bounds)} Antworten)." if bounds else "."),
            element,
            item["id"],
        )
        return "multichoice"

    def _input_type(self, element, item_id, datentyp: str, prae: Praezisierung) -> str:
        field_type = DATENTYP_TYPES.get(datentyp)
        if field_type is None:
            self.note(
                "approximation",
                f"Datentyp „{element.datentyp or '(leer)'}“ ist unbekannt; als Textfeld "
                "übernommen.",
                element,
                item_id,
            )
            field_type = "text"
        elif datentyp == "obj":
            self.note(
                "approximation",
                "Datentyp obj (Objekt, etwa eine Unterschrift oder ein Bild): als "
                "Datei-Upload übernommen.",
                element,
                item_id,
            )
        elif datentyp in ("time", "datetime"):
            what = "Uhrzeit (HH:MM)" if datentyp == "time" else "Zeitpunkt (JJJJ-MM-TTTHH:MM)"
            self.note(
                "approximation",
                f"Datentyp {datentyp}: als Textfeld mit Muster für {what} übernommen; das "
                "Formular kennt keinen eigenen Typ dafür.",
                element,
                item_id,
            )
        elif datentyp == "text_latin":
            self.note(
                "approximation",
                "Datentyp text_latin (Zeichen nach DIN SPEC 91379): als Textfeld übernommen; "
                "der Zeichenvorrat wird nicht geprüft.",
                element,
                item_id,
            )
        if field_type != "text" or datentyp not in ("text", "text_latin"):
            return field_type
        names = f"{element.name} {element.label}"
        for named_type, pattern, what in _NAMED_TYPES:
            if pattern.search(names):
                self.note(
                    "approximation",
                    f"Am Namen „{element.name}“ als {what} erkannt: Typ „{named_type}“ statt "
                    "Text (FIM-Datentyp text).",
                    element,
                    item_id,
                )
                return named_type
        if (prae.max_length or 0) > TEXTAREA_FROM or _TEXTAREA_NAME.search(element.name):
            return "textarea"
        return "text"

    # --- code lists

    def _code_list_key(self, code_list: GenericodeList, ref, element, item_id) -> str | None:
        identity = (code_list.uri, code_list.version, code_list.path)
        if identity in self._keys:
            return self._keys[identity]
        entries, seen = [], set()
        for code, label in code_list.entries:
            if code in seen or len(code) > CODE_MAX:
                why = "doppelt" if code in seen else f"länger als {CODE_MAX} Zeichen"
                self.note(
                    "dropped",
                    f"Codeliste {_describe(ref, code_list.name)}: Code „{code[:40]}“ ist {why}; "
                    "ausgelassen.",
                    element,
                    item_id,
                )
                continue
            seen.add(code)
            entries.append(
                {"code": code, "label": self.clip(label, LABEL_MAX, f"Eintrag {code}", element)}
            )
        if not entries:
            return None
        last = (code_list.uri or code_list.name).rsplit(":", 1)[-1]
        base = slugify(last or code_list.name, fallback="codeliste")
        key, number = base, 1
        while key in self.code_lists:
            number += 1
            key = f"{base[:58]}_{number}"
        # Many FIM code lists leave ShortName blank; the field's label names them better.
        title = code_list.name or (ref.name if ref else "") or element.label or element.name
        title = title or last or key
        entry = {"title": self.clip(title, LABEL_MAX, "Der Codelisten-Titel", element)}
        if code_list.uri and len(code_list.uri) <= 300:
            entry["uri"] = code_list.uri
        if code_list.version and len(code_list.version) <= 50:
            entry["version"] = code_list.version
        entry["entries"] = entries
        self.code_lists[key] = entry
        self._keys[identity] = key
        return key

    # --- Präzisierung

    def _constraints(self, element: FimElement, item: dict, prae: Praezisierung):
        field_type = item["type"]
        ignored = []
        if prae.code_list_name and field_type not in ("choice", "multichoice"):
            ignored.append(f"Codeliste „{prae.code_list_name}“")
        low, high = prae.min_length, prae.max_length
        if field_type in LENGTH_TYPES:
            if high is not None and not 1 <= high <= 100000:
                ignored.append(f"maxLength {high}")
                high = None
            if low is not None and high is not None and low > high:
                ignored.append(f"minLength {low} > maxLength {high}")
                low = high = None
            # minLength 1 is what "filled in" means anyway.
            if low is not None and low > 1:
                item["min_length"] = low
            if high is not None:
                item["max_length"] = high
            if prae.pattern:
                self._pattern(element, item, prae.pattern)
        else:
            if low not in (None, 0, 1):
                ignored.append(f"minLength {low}")
            if high is not None:
                ignored.append(f"maxLength {high}")
            if prae.pattern:
                ignored.append(f"pattern „{prae.pattern}“")
        bounds = {"min": prae.min_value, "max": prae.max_value}
        for name, raw in bounds.items():
            if raw is None:
                continue
            fim_name = f"{name}Value {raw}"
            if field_type in NUMBER_TYPES:
                number = parse_number(raw)
                if number is None or (field_type == "integer" and not isinstance(number, int)):
                    ignored.append(fim_name)
                else:
                    item[name] = number
            elif field_type == "date" and _iso_date(raw):
                item[name] = raw
            else:
                ignored.append(fim_name)
        # Numbers compare as numbers, ISO dates as strings.
        if "min" in item and "max" in item and item["min"] > item["max"]:
            ignored.append(f"minValue {item.pop('min')} > maxValue {item.pop('max')}")
        if ignored:
            self.note(
                "approximation",
                f"Präzisierung {', '.join(ignored)} passt nicht zum Typ „{field_type}“; ignoriert.",
                element,
                item["id"],
            )

    def _pattern(self, element, item, xsd: str):
        try:
            translated = translate_xsd_pattern(xsd)
        except PatternError as exc:
            self.note("dropped", f"Muster „{xsd}“ nicht übernommen: {exc}", element, item["id"])
            return
        if len(translated.pattern) > PATTERN_MAX:
            self.note(
                "dropped",
                f"Muster „{xsd[:60]}…“ ist übersetzt länger als {PATTERN_MAX} Zeichen; "
                "nicht übernommen.",
                element,
                item["id"],
            )
            return
        item["pattern"] = translated.pattern
        if translated.approximated:
            self.note(
                "approximation",
                f"Muster „{xsd}“: \\p{{L}} (Buchstaben aller Schriften) angenähert durch "
                "lateinische, griechische und kyrillische Buchstaben.",
                element,
                item["id"],
            )
