"""Translation of FIM rules (XDatenfelder `regel`, their German `definition` text) into the
engine's conditions (`visible_if`, docs/forms.md "FIM rules").

FIM rules are free text (the `script` is empty in the schemas we know), written in a few
recurring patterns. Understood are:

- "Wenn <Bedingung>, dann muss/kann das Feld|die Feldgruppe Y befüllt sein/werden" and
  "…, dann darf … nicht befüllt sein": Y gets `visible_if` (the condition of the "muss"/"kann"
  sentence, or the negation of a lone "darf nicht" sentence); "muss" on a field makes it
  required while shown. <Bedingung> is one comparison or several joined by only ODER or only
  UND: `Feld X = "wahr"`, `<> "wahr"`, `= 02 "Code"`, `Feld X (nicht) befüllt/leer`,
  `Feldgruppe G (nicht) befüllt` (any field of G filled; a repeated group: one of its entries
  holds a value).
- "„A“, „B“ und „C“ sind nur dann zu befüllen, wenn „X“ bejaht wurde": A, B, C shown when X
  is true.
- "Es muss entweder A oder B befüllt werden": B is shown only while A is empty (the two
  exclude each other), and a rule `any_filled` over the fields of A and B checks that one of
  them is filled (optional: where the engine refuses it, e.g. A and B at different repeat
  levels, only the exclusion is executed and the report says so).
- "Es muss mindestens eines der Felder A, B oder C befüllt sein": a rule `any_filled`.
- "Es muss entweder A oder (B und C) oder (C und D) befüllt sein" (more than the two-item
  shape above): the fields of the first alternative made of fields only get `required_if`
  "none of the other alternatives is complete".
- "Das Feld X kann bis zu N-mal ausgefüllt werden, dabei darf jeder Eintrag nur einmal
  ausgewählt werden": X must be a multiple choice (its answers are unique by construction);
  it gets `max` N.

- "Wenn <Bedingung>, dann darf Y nicht leer sein" and "Wenn im Datenfeld X (nicht) der Wert V
  angegeben wurde, dann soll Y zum Pflichtfeld werden": Y (a field) gets `required_if`.
- A comparison may continue the previous one without naming the field (`X = 003 ODER = 005`);
  a field inside a repeated group that does not contain the target is compared for any entry.

Conditions may group parts with brackets ("(A ODER B) UND C"); "mindestens ein Feld der
Feldgruppe G = "wahr"" is any of G's Ja/Nein fields yes; "aus der Feldgruppe G als einziges
Feld das Feld F = "wahr"" is F yes and G's other fields not, "… mindestens ein weiteres Feld
als das Feld F = "wahr"" one of G's other fields yes.

Everything else (date arithmetic, UND/ODER mixed without brackets, references that do not
resolve to exactly one item) is not translated; the caller lists it with its text. Pure
Python, no database access.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

REF = r"((?:[GF]\d{8}\.)*[GF]\d{8})"
_LEAD = r"(?:(?:das|die|der)\s+)?(?:(?:Datenfeldgruppe|Datenfeld|Feldgruppe|Feld|Gruppe)\s+)*"
_LABEL = r'(?:\s*"[^"]*")?'

# "Wenn <Bedingung>, dann muss/darf/kann Y (nicht) befüllt/ausgefüllt/angegeben/leer
# sein/werden"; the comma and "dann" are sometimes missing in real schemas.
_SENTENCE = re.compile(
    r"^Wenn\s+(?P<cond>.+?)(?:,?\s+dann|,)?\s+(?P<modal>muss|darf|kann)\s+"
    + _LEAD
    + REF.replace("(", "(?P<target>", 1)
    + _LABEL
    + r"\s*(?P<neg>nicht\s+)?(?P<state>befüllt|ausgefüllt|angegeben|leer)\s+"
    r"(?:sein|werden|bleiben)\.?$"
)
_ONLY_IF = re.compile(
    r"^(?P<targets>.+?)\s+(?:ist|sind)\s+nur\s+dann\s+zu\s+befüllen,\s+wenn\s+"
    + _LEAD
    + r'"?'
    + REF.replace("(", "(?P<source>", 1)
    + r'[^"]*"?\s+bejaht\s+wurde\.?$'
)
_EITHER = re.compile(
    r"^Es\s+muss\s+entweder\s+"
    + _LEAD
    + _LEAD
    + REF.replace("(", "(?P<first>", 1)
    + _LABEL
    + r"\s+oder\s+"
    + _LEAD
    + REF.replace("(", "(?P<second>", 1)
    + _LABEL
    + r"\s+befüllt\s+(?:sein|werden)\.?$"
)
_COMPARE = re.compile(
    r"^"
    + _LEAD
    + REF.replace("(", "(?P<ref>", 1)
    + r'[^=<>"]*(?:"[^"]*")?[^=<>"]*?\s*(?P<op><>|=)\s*'
    + r'(?P<value>"?(?:wahr|falsch)"?|(?P<code>[0-9A-Za-z_-]+)(?:\s+"[^"]*")?)$'
)
# A comparison continuing the previous one without naming the field again:
# `Feld X = 003 "…" ODER = 005 "…"`, `Feld X <> 003 "…" UND <> 005 "…"`.
_BARE_COMPARE = re.compile(
    r'^(?P<op><>|=)\s*(?P<value>"?(?:wahr|falsch)"?|(?P<code>[0-9A-Za-z_-]+)(?:\s+"[^"]*")?)$'
)
_FILLED = re.compile(
    r"^"
    + _LEAD
    + REF.replace("(", "(?P<ref>", 1)
    + _LABEL
    + r"\s*(?:ist\s+)?(?P<neg>nicht\s+)?(?P<state>befüllt|leer)(?:\s+ist)?$"
)
_AT_LEAST_ONE = re.compile(
    r"^Es\s+muss\s+mindeste?n?s\s+(?:eines|eins|ein)\s+der\s+(?:Felder|Feldgruppen)\s+"
    r"(?P<refs>.+?)\s+befüllt\s+(?:sein|werden)\.?$"
)
# "Wenn im Datenfeld X (nicht) der Wert 009 / "" angegeben wurde, dann soll Y zum Pflichtfeld
# werden": Y must be answered while the condition holds (`required_if`); `""` is "empty".
_REQUIRED_WHEN = re.compile(
    r"^Wenn\s+im\s+(?:Daten)?[Ff]eld\s+"
    + REF.replace("(", "(?P<ref>", 1)
    + _LABEL
    + r'\s+(?P<neg>nicht\s+)?der\s+Wert\s+(?P<value>"[^"]*"|[0-9A-Za-z_-]+)\s+angegeben\s+'
    r"wurde,?\s+(?:dann\s+)?(?:soll|muss)\s+(?:das\s+)?(?:(?:Daten)?[Ff]eld\s+)?"
    + REF.replace("(", "(?P<target>", 1)
    + _LABEL
    + r"\s+(?:zum|ein)\s+Pflichtfeld\s+(?:werden|sein)\.?$"
)
_NUMBER_WORDS = {
    "ein": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7,
    "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12,
}  # fmt: skip
_UNIQUE_ENTRIES = re.compile(
    r"^Das\s+Feld\s+"
    + REF.replace("(", "(?P<target>", 1)
    + _LABEL
    + r"\s+kann\s+bis?t?\s+zu\s+(?P<count>[0-9]+|[a-zäöü]+?)\s*-?mal\s+ausgefüllt\s+werden"
    r"\s*[.,]\s*(?:Dabei|dabei)\s+darf\s+(?:aber\s+)?jeder\s+Eintrag\s+(?:nur\s+)?"
    r"(?:maximal\s+)?einmal\s+ausgewählt\s+werden\.?$"
)
# "Es muss entweder A oder (B und C) oder (C und D) befüllt sein": alternatives, each one
# reference or a bracketed conjunction of references (the labels are replaced by `@n`
# first; a label may lack its closing quote, but must not contain brackets).
_ALTERNATIVES = re.compile(r"^Es\s+muss\s+entweder\s+(?P<body>.+?)\s+befüllt\s+(?:sein|werden)\.?$")
_REF_LABEL = re.compile(REF + r'(?:\s*"[^"()]*"?)?')
_TOKEN = re.compile(r"^" + _LEAD + r"@(?P<n>[0-9]+)$")
# "mindestens ein Feld der Feldgruppe G = "wahr"": one of G's Ja/Nein fields is yes.
_ANY_TRUE = re.compile(
    r"^mindestens\s+ein(?:es)?\s+(?:Feld|Datenfeld)\s+der\s+(?:Daten)?[Ff]eldgruppe\s+"
    + REF.replace("(", "(?P<ref>", 1)
    + _LABEL
    + r'\s*=\s*"?wahr"?$'
)
# "aus der Feldgruppe G als einziges Feld das Feld F = "wahr"" (F yes, G's other Ja/Nein
# fields not) and "aus der Feldgruppe G mindestens ein weiteres Feld als das Feld F = "wahr""
# (one of G's other fields yes).
_ONLY_OR_OTHER = re.compile(
    r"^aus\s+der\s+(?:Daten)?[Ff]eldgruppe\s+"
    + REF.replace("(", "(?P<group>", 1)
    + _LABEL
    + r"\s+(?P<kind>als\s+einziges\s+Feld|mindestens\s+ein\s+weiteres\s+Feld\s+als)\s+"
    + _LEAD
    + REF.replace("(", "(?P<ref>", 1)
    + _LABEL
    + r'\s*=\s*"?wahr"?$'
)
_UNSUPPORTED = ("aktuelles Datum", "ersten vier")


class RuleNotUnderstood(Exception):
    """The rule's text is not one of the known patterns; the message says why (German)."""


@dataclass
class Effect:
    """What a translated rule does to one item: show it only when `condition` holds (None:
    visibility unchanged); `required` if the rule says it must then be filled; `props` set on
    the item; `rule` appended to the definition's rules. An `optional` effect is dropped
    when the engine refuses it (the caller says so)."""

    item_id: str
    condition: dict | None
    required: bool = False
    props: dict | None = None
    rule: dict | None = None
    optional: bool = False


def _normalise(text: str) -> str:
    text = text.replace("„", '"').replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


class RuleTranslator:
    """Translates rule texts for one schema. `resolve(ref, owner)` gives the item id for a
    FIM reference (dotted ids) seen from the rule's owner path, or raises RuleNotUnderstood;
    `item(id)` the item dict (field or group) of the definition."""

    def __init__(
        self,
        resolve: Callable[[str, str], str],
        item: Callable[[str], dict],
        wrapper: Callable[[str], str | None] = lambda _item_id: None,
        repeats: Callable[[str], tuple[str, ...]] = lambda _item_id: (),
    ):
        self.resolve = resolve
        self.item = item
        # The repeated groups around an item (outermost first, not the item itself).
        self.repeats = repeats
        # The repeated group of one field the importer made of a repeated FIM field: "the
        # field is filled" is "the group has an entry with a value" (nameable from outside).
        self.wrapper = wrapper

    def translate(self, text: str, owner: str) -> list[Effect]:
        text = _normalise(text)
        if not text:
            raise RuleNotUnderstood("Die Regel hat keinen Text.")
        if match := _ONLY_IF.match(text):
            return self._only_if(match, owner)
        if match := _EITHER.match(text):
            first = self.resolve(match["first"], owner)
            second = self.resolve(match["second"], owner)
            names = [*self._field_ids(first), *self._field_ids(second)]
            message = (
                f"Bitte füllen Sie „{_title(self.item(first))}“ oder "
                f"„{_title(self.item(second))}“ aus."
            )
            return [
                Effect(second, self._scoped({"not": self._filled(first)}, second)),
                Effect(
                    names[0], None, rule={"any_filled": names, "message": message[:500]},
                    optional=True,
                ),
            ]  # fmt: skip
        if match := _ALTERNATIVES.match(text):
            return self._alternatives(match, owner)
        if match := _AT_LEAST_ONE.match(text):
            return [self._at_least_one(match, owner)]
        if match := _UNIQUE_ENTRIES.match(text):
            return [self._unique_entries(match, owner)]
        sentences = [part.strip() for part in re.split(r"(?<=\.)\s+(?=Wenn\s)", text)]
        if sentences and all(_REQUIRED_WHEN.match(part) for part in sentences):
            return self._required_when([_REQUIRED_WHEN.match(part) for part in sentences], owner)
        sentences = [part.strip() for part in re.split(r"(?=\bWenn\s)", text) if part.strip()]
        if not sentences or not all(part.startswith("Wenn ") for part in sentences):
            raise RuleNotUnderstood("Kein bekanntes Muster („Wenn …, dann …“).")
        positive: dict[str, Effect] = {}
        negative: dict[str, Effect] = {}
        required_if: dict[str, Effect] = {}
        for sentence in sentences:
            match = _SENTENCE.match(sentence)
            if match is None:
                raise RuleNotUnderstood(f"Satz nicht verstanden: {sentence}")
            target = self.resolve(match["target"], owner)
            condition = self._scoped(self._condition(match["cond"], owner), target)
            meaning = _meaning(match["modal"], bool(match["neg"]), match["state"])
            is_field = self.item(target).get("kind") == "field"
            if meaning == "empty":
                negative[target] = Effect(target, {"not": condition})
            elif meaning == "required" and match["state"] == "leer" and is_field:
                # "darf nicht leer sein": must be answered then; says nothing about when it
                # may be filled, so the field stays shown (required_if, not visible_if).
                required_if[target] = Effect(target, None, props={"required_if": condition})
            else:
                positive[target] = Effect(target, condition, meaning == "required" and is_field)
        # The "darf nicht" sentence is the complement of the "muss" one; the latter decides.
        effects = [*positive.values(), *(e for t, e in negative.items() if t not in positive)]
        taken = {effect.item_id for effect in effects}
        return [*effects, *(e for t, e in required_if.items() if t not in taken)]

    def _required_when(self, matches, owner: str) -> list[Effect]:
        effects: dict[str, Effect] = {}
        for match in matches:
            source = self.resolve(match["ref"], owner)
            target = self.resolve(match["target"], owner)
            if self.item(target).get("kind") != "field":
                raise RuleNotUnderstood(
                    f"„{target}“ ist eine Gruppe; eine Gruppe als Pflichtfeld wird nicht übersetzt."
                )
            value = match["value"]
            if value == '""':
                condition = {"not": self._filled(source)}
            else:
                condition = self._compare(
                    source, {"code": value.strip('"'), "value": value, "op": "="}
                )
            if match["neg"]:
                condition = {"not": condition}
            condition = self._scoped(condition, target)
            if target in effects:
                old = effects[target].props["required_if"]
                condition = {"any": [old, condition]}
            effects[target] = Effect(target, None, props={"required_if": condition})
        return list(effects.values())

    def _scoped(self, condition: dict, target: str) -> dict:
        """`condition` as seen from `target`: a comparison naming a field inside a repeated
        group that does not contain `target` holds for any entry (`any_entry`)."""
        if "field" in condition:
            inner = self.repeats(condition["field"])
            if inner != self.repeats(target)[: len(inner)]:
                return {**condition, "any_entry": True}
            return condition
        if "not" in condition:
            return {"not": self._scoped(condition["not"], target)}
        key = "all" if "all" in condition else "any"
        return {key: [self._scoped(part, target) for part in condition[key]]}

    def _at_least_one(self, match, owner: str) -> Effect:
        refs = re.findall(REF, match["refs"])
        if len(refs) < 2:
            raise RuleNotUnderstood("Die Regel nennt weniger als zwei Felder.")
        items = [self.resolve(ref, owner) for ref in refs]
        names = list(dict.fromkeys(name for item in items for name in self._field_ids(item)))
        if any(self.item(name).get("type") == "boolean" for name in names):
            # "befüllt" of a Ja/Nein field: answered, or answered with Ja? Not guessed.
            raise RuleNotUnderstood("„mindestens eines“ über Ja/Nein-Felder ist mehrdeutig.")
        labels = [f"„{_title(self.item(item))}“" for item in items]
        message = (
            "Bitte füllen Sie mindestens eines aus: "
            + ", ".join(labels[:-1])
            + f" oder {labels[-1]}."
        )
        return Effect(names[0], None, rule={"any_filled": names, "message": message[:500]})

    def _alternatives(self, match, owner: str) -> list[Effect]:
        """ "Es muss entweder A oder (B und C) … befüllt sein": one alternative must be
        complete. The fields of the first alternative made of fields only get `required_if`
        "no other alternative is complete" (the same meaning, executed by the engine)."""
        refs: list[str] = []

        def token(found) -> str:
            refs.append(found[1])
            return f"@{len(refs) - 1}"

        body = _REF_LABEL.sub(token, match["body"])
        alternatives: list[list[str]] = []
        for part in re.split(r"\s+oder\s+", body):
            part = part.strip()
            bracketed = part.startswith("(") and part.endswith(")")
            members = re.split(r"\s+und\s+|,\s*", part[1:-1]) if bracketed else [part]
            found = [_TOKEN.match(member.strip()) for member in members]
            if not all(found):
                raise RuleNotUnderstood(f"Alternative nicht verstanden: {part}")
            alternatives.append([self.resolve(refs[int(m["n"])], owner) for m in found])
        if len(alternatives) < 2:
            raise RuleNotUnderstood("Die Regel nennt weniger als zwei Möglichkeiten.")
        for alternative in alternatives:
            for item_id in alternative:
                if any(self.item(n).get("type") == "boolean" for n in self._field_ids(item_id)):
                    raise RuleNotUnderstood("„befüllt“ bei einem Ja/Nein-Feld ist mehrdeutig.")
        chosen = next(
            (
                alternative
                for alternative in alternatives
                if all(self.item(i).get("kind") == "field" for i in alternative)
            ),
            None,
        )
        if chosen is None:
            raise RuleNotUnderstood("Keine Möglichkeit besteht nur aus Feldern.")
        others = []
        for alternative in alternatives:
            if alternative is chosen:
                continue
            parts = [self._filled(item_id) for item_id in alternative]
            others.append({"not": parts[0] if len(parts) == 1 else {"all": parts}})
        condition = others[0] if len(others) == 1 else {"all": others}
        return [
            Effect(target, None, props={"required_if": self._scoped(condition, target)})
            for target in chosen
        ]

    def _unique_entries(self, match, owner: str) -> Effect:
        target = self.resolve(match["target"], owner)
        count_text = match["count"].lower()
        count = int(count_text) if count_text.isdigit() else _NUMBER_WORDS.get(count_text)
        if not count:
            raise RuleNotUnderstood(f"Anzahl „{match['count']}“ nicht verstanden.")
        item = self.item(target)
        if item.get("kind") != "field" or item.get("type") != "multichoice":
            raise RuleNotUnderstood(
                f"„{target}“ ist keine Mehrfachauswahl (fehlt die Codeliste?); dass jeder "
                "Eintrag nur einmal vorkommt, ließe sich nicht prüfen."
            )
        low = item.get("min")
        if low is not None and low > count:
            raise RuleNotUnderstood(f"„{target}“ verlangt schon mindestens {low} Antworten.")
        return Effect(target, None, props={"max": count})

    def _field_ids(self, item_id: str) -> list[str]:
        """The field itself, or every field with a value of a group."""
        item = self.item(item_id)
        if item.get("kind") == "field":
            return [item_id]
        names = [field["id"] for field in _fields(item["items"]) if field["type"] != "info"]
        if not names:
            raise RuleNotUnderstood(f"Die Gruppe „{item_id}“ hat keine Felder.")
        return names

    def _only_if(self, match, owner: str) -> list[Effect]:
        source = self.resolve(match["source"], owner)
        self._expect_boolean(source)
        targets = re.findall(REF, match["targets"])
        if not targets:
            raise RuleNotUnderstood("Die Regel nennt keine Felder.")
        condition = {"field": source, "equals": True}
        resolved = [self.resolve(ref, owner) for ref in targets]
        return [Effect(target, self._scoped(condition, target)) for target in resolved]

    def _condition(self, text: str, owner: str) -> dict:
        """A condition: comparisons joined by only ODER or only UND; brackets group a part
        (`(A ODER B) UND C`), so that UND and ODER mix only with brackets."""
        # The labels' text (which may hold brackets and "UND") does not count for the
        # structure: `masked` has them blanked out at the same positions.
        masked = re.sub(r'"[^"]*"', lambda found: '"' + "_" * (len(found[0]) - 2) + '"', text)
        for word in _UNSUPPORTED:
            if word in masked:
                raise RuleNotUnderstood(f"Bedingung mit „{word}“ wird nicht übersetzt.")
        text, masked = text.strip(), masked.strip()
        while masked.startswith("(") and _closing(masked, 0) == len(masked) - 1:
            text, masked = text[1:-1].strip(), masked[1:-1].strip()
        parts, connectors, start, depth = [], set(), 0, 0
        for found in re.finditer(r"\(|\)|\s+(ODER|UND)\s+", masked):
            if found[0] == "(":
                depth += 1
            elif found[0] == ")":
                depth -= 1
            elif depth == 0:
                parts.append(text[start : found.start()])
                connectors.add(found[1])
                start = found.end()
        if depth != 0:
            raise RuleNotUnderstood("Klammern der Bedingung passen nicht zusammen.")
        parts.append(text[start:])
        if len(connectors) > 1:
            raise RuleNotUnderstood("UND und ODER gemischt ohne Klammern.")
        atoms = []
        previous = None
        for part in parts:
            part = part.strip().rstrip(",").strip()
            if len(parts) > 1 and part.startswith("("):
                # A bracketed part (its own brackets are removed at the start of the call).
                atoms.append(self._condition(part, owner))
                previous = None
                continue
            if (bare := _BARE_COMPARE.match(part)) and previous:
                # "ODER = 005 …" continues the comparison with the previous atom's field.
                atoms.append(self._compare(previous, bare))
                continue
            atom = self._atom(part, owner)
            previous = atom.get("field") or atom.get("not", {}).get("field")
            atoms.append(atom)
        if len(atoms) == 1:
            return atoms[0]
        return {"any" if connectors == {"ODER"} else "all": atoms}

    def _atom(self, text: str, owner: str) -> dict:
        if match := _ANY_TRUE.match(text):
            group = self.resolve(match["ref"], owner)
            names = self._field_ids(group)
            for name in names:
                self._expect_boolean(name)
            parts = [{"field": name, "equals": True} for name in names]
            return parts[0] if len(parts) == 1 else {"any": parts}
        if match := _ONLY_OR_OTHER.match(text):
            names = self._field_ids(self.resolve(match["group"], owner))
            field_id = self.resolve(match["ref"], owner)
            if field_id not in names or len(names) < 2:
                raise RuleNotUnderstood(f"„{field_id}“ ist nicht eines mehrerer Felder der Gruppe.")
            for name in names:
                self._expect_boolean(name)
            others = [{"field": name, "equals": True} for name in names if name != field_id]
            if match["kind"].startswith("als"):
                rest = [{"not": other} for other in others]
                return {"all": [{"field": field_id, "equals": True}, *rest]}
            return others[0] if len(others) == 1 else {"any": others}
        if match := _COMPARE.match(text):
            return self._compare(self.resolve(match["ref"], owner), match)
        if match := _FILLED.match(text):
            item_id = self.resolve(match["ref"], owner)
            filled = (match["state"] == "befüllt") != bool(match["neg"])
            condition = self._filled(item_id)
            return condition if filled else {"not": condition}
        raise RuleNotUnderstood(f"Bedingung nicht verstanden: {text}")

    def _compare(self, field_id: str, match) -> dict:
        if match["code"] is not None:
            item = self.item(field_id)
            coded = ("choice", "multichoice", "text")
            if item.get("kind") != "field" or item["type"] not in coded:
                raise RuleNotUnderstood(f"„{field_id}“ hat keine Codes.")
            value = match["code"]
        else:
            self._expect_boolean(field_id)
            value = match["value"].strip('"') == "wahr"
        condition = {"field": field_id, "equals": value}
        return {"not": condition} if match["op"] == "<>" else condition

    def _expect_boolean(self, field_id: str):
        item = self.item(field_id)
        if item.get("kind") != "field" or item["type"] != "boolean":
            raise RuleNotUnderstood(f"„{field_id}“ ist kein Ja/Nein-Feld.")

    def _filled(self, item_id: str) -> dict:
        item = self.item(item_id)
        if item.get("kind") == "field" and self.wrapper(item_id):
            return {"field": self.wrapper(item_id), "filled": True}
        if item.get("kind") == "field" or "repeat" in item:
            # A repeated group is filled when one of its entries holds a value (docs/forms.md).
            return {"field": item_id, "filled": True}
        fields = [{"field": name, "filled": True} for name in _answers(item["items"])]
        if not fields:
            raise RuleNotUnderstood(f"Die Gruppe „{item_id}“ hat keine Felder.")
        return fields[0] if len(fields) == 1 else {"any": fields}


def _closing(text: str, start: int) -> int:
    """The position of the bracket closing the one at `start` (-1: none)."""
    depth = 0
    for position in range(start, len(text)):
        if text[position] == "(":
            depth += 1
        elif text[position] == ")":
            depth -= 1
            if depth == 0:
                return position
    return -1


def _meaning(modal: str, negated: bool, state: str) -> str:
    """What a sentence asks of its target: "required" (must be filled), "empty" (must not
    be filled) or "allowed" (may be filled). "darf nicht leer" is "muss befüllt"."""
    filled = state != "leer"
    if modal == "kann":
        return "allowed"
    if modal == "muss":
        if negated:
            return "required" if not filled else "allowed"  # "muss nicht befüllt": optional
        return "required" if filled else "empty"
    if negated:  # darf nicht …
        return "empty" if filled else "required"
    return "allowed"


def _answers(items: list[dict]):
    """What makes a group "filled": its fields, and its repeated sub-groups as a whole (a
    condition cannot name a field inside a repeated group from outside it)."""
    for item in items:
        if item["kind"] == "field":
            if item["type"] != "info":
                yield item["id"]
        elif "repeat" in item:
            yield item["id"]
        else:
            yield from _answers(item["items"])


def _title(item: dict) -> str:
    return item.get("label") or item.get("title") or item.get("id", "")


def _fields(items: list[dict]):
    for item in items:
        if item["kind"] == "group":
            yield from _fields(item["items"])
        else:
            yield item
