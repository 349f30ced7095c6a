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
  them is filled (also across repeat levels: a repeated one counts in any entry).
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

Since the XDatenfelder 3 schemas (docs/forms.md "FIM rules", third pass) also: eleven-digit
ids, "WENN … DANN" in any case with the actions "zeige … (nicht) an", "blende … aus",
"(de)aktiviere …", "ist … zu befüllen/auszublenden/anzuzeigen/ein Pflichtfeld", "darf … nicht
angezeigt werden" and an "otherwise not" ("sonst …", "ansonsten nicht"); `==`/`===`/`!=`,
Ja/Nein words, codes with their label or as a number, labels instead of codes, code sets;
"Y ist ein Pflichtfeld, wenn …"; date order (a rule), "darf nicht in der Zukunft liegen"
(`max` "today") and the validity of Tag/Monat/Jahr (a `valid_date` rule).

Fourth pass: rules for some Länder only ("Für die Länder NW, SL gilt: …", also inline
"muss in Thüringen befüllt werden"; conditions on the `land` field the importer adds, see
`land_field`), prefill-and-hide (`fixed`) and "wobei nur die Codes … ausgewählt werden
dürfen" (a rule `only_codes`).

Sixth pass: labels in single quotes, comma lists, spans ("110000 bis 114000") and ranges
("deren Code im Bereich >= 200000 bis < 300000 liegt") of codes, several actions joined with
UND (also with the subject first), "Pflichtfeldgruppe" (a group that must be filled gets its
entry: `repeat.min` 1 or an `any_filled` rule), "darf in Feld Y nur der Code … ausgewählt
sein", prefill-and-hide in one sentence, and Länder in sentences of their own ("Die Gruppe G
ist nur für die Länder NW und TH zu befüllen. Für alle anderen Länder wird sie nicht
angezeigt").

Eighth pass: rules naming codes of a select whose code list is missing (a text field for
now) are executed on the code typed there — spans and ranges as `between`, allowed codes as
`only_codes` (`listless`); "in der Codeliste die Einträge folgender Codes ausgewählt: a,
b-c"; rules enumerating the states they mean with their codes ("Die Mitgliedstaaten der
… sind …: 124 Belgien, …"); groups required only in some Länder (`any_filled` with `when`);
dotted references that leave levels out.

Everything else (date arithmetic, UND/ODER mixed without brackets, references that do not
resolve to exactly one item) is not translated; the caller lists it with its text. Pure
Python, no database access.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from openkommune.forms.engine import LAENDER
from openkommune.forms.engine.conditions import code_number

REF = r"((?:[GF]\d{8}(?:\d{3})?\.)*[GF]\d{8}(?:\d{3})?)"


def _named(name: str) -> str:
    """REF as the named group `name`."""
    return REF.replace("(", f"(?P<{name}>", 1)


_LEAD = (
    r"(?:(?:[Ii]n|[Ii]m)\s+)?(?:(?:das|die|der|dem)\s+)?"
    r"(?:(?:Datenfeldgruppe|Datengruppe|Datenfeld|Feldgruppe|Feld|Gruppe)\s+)*"
)
_LABEL = r'(?:\s*"[^"]*")?'

# "Wenn <Bedingung>, dann muss/darf/kann Y (nicht) befüllt/ausgefüllt/angegeben/leer
# sein/werden"; the comma and "dann" are sometimes missing in real schemas.
_SENTENCE = re.compile(
    r"^Wenn\s+(?P<cond>.+?)(?:,?\s+dann|,)?\s+(?P<modal>muss|darf|kann)\s+"
    + _LEAD
    + _named("target")
    + _LABEL
    + r"\s*(?P<neg>nicht\s+)?(?P<state>befüllt|ausgefüllt|angegeben|leer)\s+"
    r"(?:sein|werden|bleiben)\.?$"
)
_ONLY_IF = re.compile(
    r"^(?P<targets>.+?)\s+(?:ist|sind)\s+nur\s+dann\s+zu\s+befüllen,\s+wenn\s+"
    + _LEAD
    + r'"?'
    + _named("source")
    + r'[^"]*"?\s+bejaht\s+wurde\.?$'
)
_EITHER = re.compile(
    r"^Es\s+muss\s+entweder\s+"
    + _LEAD
    + _LEAD
    + _named("first")
    + _LABEL
    + r"\s+oder\s+"
    + _LEAD
    + _named("second")
    + _LABEL
    + r"\s+befüllt\s+(?:sein|werden)\.?$"
)
_COMPARE = re.compile(
    r"^"
    + _LEAD
    + _named("ref")
    + r'[^=<>"]*(?:"[^"]*")?[^=<>"]*?\s*(?P<op><>|=)\s*(?P<value>[^<>=\s].*?)$'
)
# A comparison continuing the previous one without naming the field again:
# `Feld X = 003 "…" ODER = 005 "…"`, `Feld X <> 003 "…" UND <> 005 "…"`; without the
# operator (`= 002 "…" ODER 003 "…"`) only a code or a quoted value, with the previous one's.
_BARE_COMPARE = re.compile(
    r'^(?:(?P<op><>|=)\s*(?P<value>\S.*?)|(?P<code>(?:[0-9]|")[^<>=]*?|(?![GF]\d{8})'
    r'[0-9A-Za-z]+\s*=\s*"[^"]*"|(?![GF]\d{8})[0-9]+\s*=\s*[^"<>=]+?))$'
)
# A list of codes written with commas: `= 123000="…", 131000="…" oder 211000="…"`; a comma
# separates two values only before a code with its label, a bare number ending the list or
# followed by another comma, or a span ("111000 bis 113000").
_CODE_COMMA = re.compile(
    r',\s*(?=[0-9A-Za-z]+\s*=\s*["A-Za-z0-9]|[0-9]+\s+"|\(|[0-9]+\s*(?:,|$)|[0-9]+\s+bis\s)'
)
# `110000="…" bis 114000="…"`: every code of the field's list from the first to the last.
_CODE_SPAN = re.compile(
    r'^(?P<first>[0-9]+)\s*(?:=\s*)?(?:"[^"]*")?\s+bis\s+(?:=\s*)?(?P<last>[0-9]+)\s*'
    r'(?:=\s*)?(?:"[^"]*")?$'
)
# "… eine Rechtsform ausgewählt wird, deren Code im Bereich >= 200000 bis < 300000 liegt".
_CODE_RANGE = re.compile(
    r"^"
    + _LEAD
    + _named("ref")
    + _LABEL
    + r"\s+(?:eine?\s+\S+\s+)?(?:ausgewählt|gewählt)\s+(?:wird|wurde|ist),?\s+deren\s+Code\s+"
    r"im\s+Bereich\s+(?P<op1><=|>=|<|>)\s*(?P<n1>[0-9]+)\s+(?:bis|und)\s+"
    r"(?P<op2><=|>=|<|>)\s*(?P<n2>[0-9]+)\s+liegt$"
)
_FILLED = re.compile(
    r"^"
    + _LEAD
    + _named("ref")
    + _LABEL
    + r"\s*(?:ist\s+)?(?P<neg>nicht\s+)?(?P<state>befüllt|ausgefüllt|leer)(?:\s+ist)?$"
)
# "im Feld X (der Wert / die Auswahl) 02 (nicht) ausgewählt wurde", "… "gewerblich" gewählt
# ist", "… die Auswahl 02 getroffen wurde": X (not) = the value.
_CHOSEN = re.compile(
    r"^"
    + _LEAD
    + _named("ref")
    + _LABEL
    + r"\s+(?:(?:der|den|die|das)\s+)?(?:Wert|Code|Auswahl|Option|Eintrag)?\s*(?P<value>\S.*?)\s+"
    r"(?P<neg>nicht\s+)?(?:ausgewählt|gewählt|angegeben|angekreuzt|eingetragen|markiert|"
    r"getroffen)(?:\s+(?:wird|wurde|ist|worden(?:\s+ist)?|sind|wurden))?$"
)
# "X den Wert 02 hat / enthält", "X mit "Ja" beantwortet wurde": X = the value.
_HAS_THE_VALUE = re.compile(
    r"^"
    + _LEAD
    + _named("ref")
    + _LABEL
    + r"\s+(?:den\s+(?:Wert|Code)\s+(?P<value>\S.*?)\s+(?:hat|enthält|besitzt|aufweist)"
    r"|mit\s+(?P<answer>\S.*?)\s+beantwortet(?:\s+(?:wird|wurde|ist|worden\s+ist))?)$"
)
# A Ja/Nein field "X (nicht) angekreuzt ist", "… ausgewählt wurde", "… bejaht/verneint wurde".
_TICKED = re.compile(
    r"^"
    + _LEAD
    + _named("ref")
    + _LABEL
    + r"\s+(?P<neg>nicht\s+)?(?P<how>angekreuzt|ausgewählt|gewählt|aktiviert|markiert|gesetzt|"
    r"bejaht|verneint)(?:\s+(?:wird|wurde|ist|worden(?:\s+ist)?))?$"
)
_AT_LEAST_ONE = re.compile(
    r"^Es\s+muss\s+mindeste?n?s\s+(?:eines|eins|ein)\s+der\s+(?:Felder|Feldgruppen)\s+"
    r"(?P<refs>.+?)\s+(?:befüllt|ausgefüllt|angegeben)\s+(?:sein|werden)\.?$"
)
# "Wenn im Datenfeld X (nicht) der Wert 009 / "" angegeben wurde, dann soll Y zum Pflichtfeld
# werden": Y must be answered while the condition holds (`required_if`); `""` is "empty".
_REQUIRED_WHEN = re.compile(
    r"^Wenn\s+im\s+(?:Daten)?[Ff]eld\s+"
    + _named("ref")
    + _LABEL
    + r'\s+(?P<neg>nicht\s+)?der\s+Wert\s+(?P<value>"[^"]*"|[0-9A-Za-z_-]+)\s+angegeben\s+'
    r"wurde,?\s+(?:dann\s+)?(?:soll|muss)\s+(?:das\s+)?(?:(?:Daten)?[Ff]eld\s+)?"
    + _named("target")
    + _LABEL
    + r"\s+(?:zum|ein)\s+Pflichtfeld\s+(?:werden|sein)\.?$"
)
_NUMBER_WORDS = {
    "ein": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7,
    "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12,
}  # fmt: skip
_UNIQUE_ENTRIES = re.compile(
    r"^Das\s+Feld\s+"
    + _named("target")
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
    + _named("ref")
    + _LABEL
    + r'\s*=\s*"?wahr"?$'
)
# "aus der Feldgruppe G als einziges Feld das Feld F = "wahr"" (F yes, G's other Ja/Nein
# fields not) and "aus der Feldgruppe G mindestens ein weiteres Feld als das Feld F = "wahr""
# (one of G's other fields yes).
_ONLY_OR_OTHER = re.compile(
    r"^aus\s+der\s+(?:Daten)?[Ff]eldgruppe\s+"
    + _named("group")
    + _LABEL
    + r"\s+(?P<kind>als\s+einziges\s+Feld|mindestens\s+ein\s+weiteres\s+Feld\s+als)\s+"
    + _LEAD
    + _named("ref")
    + _LABEL
    + r'\s*=\s*"?wahr"?$'
)
_UNSUPPORTED = ("ersten vier",)
# "(aktuelles Datum - F "Beginn") < 7 Tage": the time since the date in F (`since`).
_SINCE_UNITS = r"(?P<unit>Tage?n?|Monate?n?|Jahre?n?)"
_SINCE = re.compile(
    r"^\(?\s*(?:das\s+)?aktuelles\s+Datum\s*-\s*"
    + _LEAD
    + _named("ref")
    + _LABEL
    + r"\s*\)?\s*(?P<op><=|>=|<|>|=)\s*(?P<n>[0-9]+)\s*"
    + _SINCE_UNITS
    + r"$"
)
# "… > 7 Tage oder = 7 Tage": a comparison continuing the previous one's date.
_SINCE_MORE = re.compile(r"^(?P<op><=|>=|<|>|=)\s*(?P<n>[0-9]+)\s*" + _SINCE_UNITS + r"$")
# "Y ist ein Pflichtfeld, wenn <Bedingung>" (also "Das Feld Y …").
_REQUIRED_IF_REVERSED = re.compile(
    r"^(?:Das\s+(?:Daten)?[Ff]eld\s+)?"
    + _named("target")
    + _LABEL
    + r"\s+ist\s+(?:ein\s+Pflichtfeld|Pflicht|verpflichtend|erforderlich),?\s+wenn\s+"
    r"(?P<cond>.+?)\.?$"
)
# "eines der (folgenden) Felder A, B, C mit "Ja" belegt ist": any of them has the value.
_ANY_OF_VALUE = re.compile(
    r"^(?:mindestens\s+)?eines\s+der\s+(?:folgenden\s+)?(?:Daten)?[Ff]elder\s+(?P<refs>.+?)\s+"
    r"mit\s+(?:dem\s+(?:Code|Wert)\s+)?(?P<value>\S.*?)\s+belegt(?:\s+ist)?$"
)
# "X mit (dem Code|Wert) V belegt (ist)": X has the value V.
_HAS_VALUE = re.compile(
    r"^"
    + _LEAD
    + _named("ref")
    + r'[^=<>"]*?(?:"[^"]*")?\s*mit\s+(?:dem\s+(?:Code|Wert)\s+)?(?P<value>\S.*?)\s+belegt'
    r"(?:\s+ist)?$"
)
# "in X kein Eintrag vorgenommen wurde" / "ein Eintrag …": X (not) filled.
_ENTRY_MADE = re.compile(
    r"^"
    + _LEAD
    + _named("ref")
    + _LABEL
    + r"\s+(?P<neg>k)?ein(?:e)?\s+(?:Eintrag|Eingabe|Angabe)\s+(?:vorgenommen|gemacht|erfolgt)"
    r"(?:\s+(?:wurde|worden\s+ist|ist))?$"
)
_BOOLEAN_WORDS = {"wahr": True, "ja": True, "true": True, "falsch": False, "nein": False,
                  "false": False}  # fmt: skip
# "Das Datum im Feld A muss (zeitlich) vor/nach dem Datum in Feld B liegen".
_DATE_ORDER = re.compile(
    r"^(?:Das\s+Datum\s+(?:im|in)\s+)?(?:(?:das|der)\s+)?(?:(?:Daten)?[Ff]eld\s+)?"
    + _named("left")
    + _LABEL
    + r"\s+(?P<modal>muss|darf)\s+(?:zeitlich\s+)?(?P<neg>nicht\s+)?(?P<order>vor|nach)\s+"
    r"(?P<same>oder\s+(?:gleich|am\s+selben\s+Tag\s+wie)\s+)?(?:dem\s+Datum\s+(?:im|in)\s+)?"
    r"(?:dem\s+)?(?:(?:Daten)?[Ff]eld\s+)?" + _named("right") + _LABEL + r"\s+liegen\.?$"
)
# "Wenn (alle drei) Felder Tag, Monat und Jahr befüllt sind, muss die Validität des (sich
# ergebenden) Kalenderdatums sichergestellt werden …": a `valid_date` rule.
_DATE_PARTS = re.compile(
    r"^Wenn\s+(?:alle\s+(?:drei\s+)?)?(?:Daten)?[Ff]elder\s+(?P<refs>.+?)\s+(?:befüllt|ausgefüllt)\s+"
    r"sind,?\s+(?:dann\s+)?muss\s+(?:die\s+)?(?:Validität|Gültigkeit|Korrektheit)\s+des\s+"
    r"(?:sich\s+ergebenden\s+)?(?:Kalender)?[Dd]atums\s+sichergestellt\s+werden\b"
)
# "(Das Datum im Feld) X darf nicht in der Zukunft/Vergangenheit liegen": `max`/`min` today.
_NOT_FUTURE = re.compile(
    r"^(?:(?:Das|Der)\s+(?:Datum|Wert)\s+(?:im|in|des)\s+)?"
    + _LEAD
    + _named("target")
    + _LABEL
    + r"\s+darf\s+nicht\s+in\s+der\s+(?P<when>Zukunft|Vergangenheit)\s+liegen\.?$"
)
# "Mindestens eines der (Daten)felder A, B oder C muss den Wert "wahr" haben" (also "…
# ein Datenfeld der Datenfeldgruppe (G) …": its Ja/Nein fields; without G the rule's group).
_ANY_TRUE_CHECK = re.compile(
    r"^Mindestens\s+(?:eines\s+der\s+(?:Daten)?[Ff]elder\s+(?P<refs>.+?)|ein(?:es)?\s+"
    r"(?:Daten)?[Ff]eld\s+der\s+(?:Daten)?[Ff]eldgruppe(?:\s+(?P<group>"
    + REF[1:-1]
    + r')(?:\s*"[^"]*")?)?)\s+muss\s+den\s+Wert\s+"?(?:wahr|ja|Ja)"?\s+haben\.?$'
)
_ACTION_VERBS = r"(?:aktiviere|deaktiviere|zeige|blende|mache)"
# "Für das Land TH gilt: …", "Für die Länder NW, SL und SN gilt: …", "Für alle anderen Länder
# gilt: …": the sections of a rule for some Länder only (conditions on the `land` field).
_LAND_HEAD = re.compile(
    r"(?:^|(?<=[.:;!?])\s*|\s+)Für\s+(?:(?:das\s+(?:Bundesl|L)and|die\s+(?:Bundesl|L)änder)\s+"
    r"(?P<list>[^:.\"]+?)|(?P<others>alle\s+anderen\s+(?:Bundesl|L)änder[n]?))\s+gilt\s*[:.]"
)
_LAND_NAMES = {name.lower(): code for _key, code, name in LAENDER}
_LAND_CODES = {code for _key, code, _name in LAENDER}
# An action without a condition: "Die Datengruppe G muss befüllt werden", "Das Datenfeld F
# darf nicht angezeigt werden".
_PLAIN = re.compile(
    r"^(?:Die|Das|Der)\s+"
    + _LEAD
    + r"(?P<ref>"
    + REF[1:-1]
    + r'(?:\s*"[^"]*")?)\s+(?P<verb>muss|darf|kann|soll|ist|wird)\s+(?P<rest>\S.*?)\.?$'
)
_NEVER = object()  # a section hides the item
_LAND_WORD = r"[A-ZÄÖÜ][A-Za-zÄÖÜäöüß-]*"
_LAND_LIST = _LAND_WORD + r"(?:(?:\s*,\s*|\s+(?:und|sowie)\s+)" + _LAND_WORD + r")*"
# Which Länder a sentence is for: "für das (Bundes)Land BW", "für die Länder NW, SL und TH",
# "für Bremen", "für alle (Bundes)Länder außer BW", "für alle anderen (Bundes)Länder".
_LAND_SPEC = (
    r"(?:(?P<others>alle\s+anderen\s+(?:Bundesl|L)änder[n]?)|alle\s+(?:Bundesl|L)änder[n]?\s+"
    r"außer\s+(?P<except>" + _LAND_LIST + r")|(?:(?:das|dem)\s+(?:Bundesl|L)and|die\s+"
    r"(?:Bundesl|L)änder)?\s*(?P<list>" + _LAND_LIST + r"))"
)
# What a Länder sentence says of its item.
_LAND_STATE = (
    r"(?:nicht\s+)?(?:zu\s+befüllen|anzuzeigen|(?:angezeigt|befüllt|ausgefüllt)(?:\s+werden)?)"
)
# "Die Gruppe G ist nur für die Länder NW, SL und TH zu befüllen", "Das Feld F muss für
# Bremen befüllt werden", "Die Gruppe G muss für alle anderen Länder befüllt werden", "… muss
# in TH, NRW befüllt werden" (alone: the other Länder are not named).
_LAND_SUBJECT_FIRST = re.compile(
    r"^(?P<subject>(?:Die|Das|Der)\s+"
    + _LEAD
    + REF[1:-1]
    + r'(?:\s*"[^"]*")?)\s+(?P<verb>ist|muss|darf|wird)\s+(?:nur\s+)?(?:für|in(?:\s+den\s+'
    r"(?:Bundesl|L)ändern|\s+dem\s+(?:Bundesl|L)and)?)\s+"
    + _LAND_SPEC
    + r"\s+(?P<rest>"
    + _LAND_STATE
    + r")$"
)
# "Für alle Bundesländer außer BW ist die Gruppe G zu befüllen", "Für alle anderen
# Bundesländer wird sie nicht angezeigt" (sie/es/er: the previous sentence's item).
_LAND_SPEC_FIRST = re.compile(
    r"^Für\s+"
    + _LAND_SPEC
    + r"\s+(?P<verb>ist|muss|darf|wird)\s+(?P<subject>(?:sie|es|er)\b|(?:die|das|der)\s+"
    + _LEAD
    + r"(?:"
    + REF[1:-1]
    + r'(?:\s*"[^"]*")?|(?:Daten)?(?:[Ff]eld)?(?:[Gg]ruppe|[Ff]eld)))\s+(?P<rest>'
    + _LAND_STATE
    + r")$"
)
# "…, dann muss das Feld Y befüllt werden, wobei nur die Codes B "…" ODER X "…" ausgewählt
# werden dürfen": while the condition holds, Y may hold only these codes (`only_codes`).
_ONLY_CODES = re.compile(
    r"(?:,\s*|\s+)wobei\s+nur\s+(?:der|die)\s+(?:Code|Wert)[se]?\s+(?P<codes>\S.*?)\s+"
    r"(?:ausgewählt|angegeben|gewählt)\s+werden\s+(?:darf|dürfen|kann|können)\.?$"
)
# "…, DANN darf in Feld Y "…" nur einer der Codes A "…", S "…" ausgewählt sein (UND muss
# das Feld Y befüllt sein)": the same restriction (`only_codes`) written as an action.
_MAY_ONLY = re.compile(
    r"(?:^|\s)darf\s+(?:in\s+|im\s+)?(?:(?:dem|das)\s+)?(?:Daten)?[Ff]eld\s+"
    + _named("ref")
    + _LABEL
    + r"\s+nur\s+(?:der|die|einer\s+der)\s+(?:Code|Wert)[se]?\s+(?P<codes>\S.*?)\s+"
    r"(?:ausgewählt|gewählt|angegeben)(?:\s+(?:sein|werden))?(?=\s+(?:UND|und)\s|\.?$)"
)
# "Das Feld Y muss für die Länder HB und RP (in Thüringen, für alle Länder außer RP)
# befüllt/angezeigt werden. Für die anderen Länder darf es nicht angezeigt werden": the same
# as the sections above, written inline.
_LAND_INLINE = re.compile(
    r"^(?P<subject>(?:Die|Das|Der)\s+"
    + _LEAD
    + REF[1:-1]
    + r'(?:\s*"[^"]*")?)\s+(?P<verb>muss|darf)\s+(?:nur\s+)?(?:für\s+(?:(?P<except>alle\s+'
    r"(?:Bundesl|L)änder\s+außer)|das\s+(?:Bundesl|L)and|die\s+(?:Bundesl|L)änder)\s+|in\s+)"
    r"(?P<list>[^.]+?)\s+(?P<state>(?:angezeigt|befüllt|ausgefüllt)\s+werden)\s*[.,]\s*"
    r"(?:Für|für)\s+(?:die\s+anderen\s+(?:Bundesl|L)änder|(?P<list2>[^.,]+?))\s+"
    r"(?P<verb2>muss|darf|wird)\s+(?:es|sie|er|(?:das|die|der)\s+(?:Daten)?(?:[Ff]eld)?"
    r"(?:[Gg]ruppe|[Ff]eld)?)\s+(?P<state2>(?:nicht\s+)?(?:angezeigt|befüllt)(?:\s+werden)?)"
    r"\.?$"
)
# Abbreviations of Länder used besides the official codes.
_LAND_ALIASES = {"NRW": "NW", "RLP": "RP", "LSA": "ST"}
# "Das Feld X ist mit 001 "privat" vorzubefüllen und (in der Antragsstrecke) auszublenden"
# and "Im Datenfeld X muss die Auswahl 001=Label als Vorbefüllung gewählt sein UND dieses
# Datenfeld soll nicht angezeigt werden": X gets the fixed value (`fixed`, not asked).
_PREFILL_HIDE = re.compile(
    r"^(?:(?:Das|Im)\s+(?:Daten)?[Ff]eld\s+)?"
    + _named("target")
    + _LABEL
    + r"\s+(?:ist\s+mit\s+(?:dem\s+(?:Code|Wert)\s+)?(?P<value>\S.*?)\s+"
    r"(?:vorzubefüllen|vorzubelegen)|muss\s+die\s+Auswahl\s+(?P<value3>\S.*?)\s+als\s+Vorbefüllung\s+gewählt\s+sein"
    r"|(?:(?:muss|wird|soll)\s+)?mit\s+(?:der\s+Auswahl\s*=?\s*)?(?P<value4>\S.*?)\s+"
    r"(?:vorbefüllt|vorbelegt|vor\s?befüllen|vor\s?belegen))"
    r"\s+(?i:und)\s+(?:(?:in\s+der\s+Antragsstrecke\s+)?(?:auszublenden|ausblenden|"
    r"ausgeblendet(?:\s+werden)?)|"
    r"(?:diese[sr]?|das)\s+(?:Daten)?[Ff]eld\s+(?:soll|darf|wird)\s+nicht\s+angezeigt\s+"
    r"(?:werden|sein))\.?$"
)


def _mask(text: str) -> str:
    """`text` with the quoted labels blanked out (same length), so that words inside labels
    do not count for the structure."""
    return re.sub(r'"[^"]*"', lambda found: '"' + "_" * (len(found[0]) - 2) + '"', text)


def _simplify_operators(text: str) -> str:
    """`==`/`===` as `=`, `!=`/`!==` as `<>` (some schemas write the operators of a
    programming language)."""
    text = re.sub(r"\s*!==?\s*", " <> ", text)
    return re.sub(r"\s*(?<![<>!])={2,3}\s*", " = ", text)


def _clauses(text: str) -> list[tuple[str, str, str]]:
    """The "Wenn <Bedingung>, dann <Aktion>" clauses of a rule as (clause, condition,
    action); empty when the text is not made of such clauses only. A clause starts with
    "Wenn" (any case) or, after a comma, "bei"; the condition ends at "dann" or, without
    it, before the first action verb."""
    masked = _mask(text)
    starts = [
        found.start(1)
        for found in re.finditer(r"(?:^|[.;:!?,]\s*|\s)((?i:wenn)\s|(?<=,\s)bei\s)", masked)
    ]
    if not starts or masked[: starts[0]].strip():
        return []
    clauses = []
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        clause = text[start:end].strip().rstrip(",").strip()
        masked_clause = _mask(clause)
        lead = re.match(r"(?i:wenn|bei)\s+", masked_clause)
        split = re.search(r"(?:,\s*|\s+)(?i:dann)\s+", masked_clause[lead.end() :])
        if split is None:
            split = re.search(
                r"(?:,\s*|\s+)(?=(?i:zeige|blende|aktiviere|deaktiviere|erscheint|muss|darf|kann|soll)\s)",
                masked_clause[lead.end() :],
            )
        if split is None:
            return []
        cond = clause[lead.end() : lead.end() + split.start()]
        action = clause[lead.end() + split.end() :]
        clauses.append((clause, cond, action))
    return clauses


def _tail(masked: str) -> str:
    """What follows the last reference (and its quoted label) of a masked action."""
    found = list(re.finditer(REF + r'(?:\s*"[^"]*")?', masked))
    return masked[found[-1].end() :].strip() if found else masked


def _segment_meaning(masked: str) -> str | None:
    """What one action does to the items it names: "required" (shown and must be filled),
    "allowed" (shown), "empty" (hidden), "required_if" ("darf nicht leer": must be
    answered, stays shown; a group falls back to shown) or "mandatory" ("ist ein
    Pflichtfeld": must be answered, fields only); None: not understood."""
    verb = masked.split(None, 1)[0].lower()
    tail = _tail(masked).rstrip(".").strip()
    mandatory = re.search(r"(?i)\bals\s+Pflicht|zu\s+einer\s+Pflichtangabe", masked)
    if verb == "deaktiviere":
        return "empty"
    if verb == "aktiviere":
        return "required" if mandatory else "allowed"
    if verb == "blende":
        if re.search(r"(?i)(?:^|\s)aus$", tail):
            return "empty"
        return "allowed" if re.search(r"(?i)(?:^|\s)ein$", tail) else None
    if verb == "zeige":
        if re.search(r"(?i)(?:^|\s)nicht(?:\s+an)?$", tail):
            return "empty"
        return "required" if mandatory else "allowed"
    if verb in ("ist", "sind"):
        if re.search(r"(?i)(?:^|\s)nicht\s+(?:zu\s+befüllen|anzuzeigen)$", tail):
            return "empty"
        if re.search(r"(?i)(?:^|\s)auszublenden$", tail):
            return "empty"
        if re.search(r"(?i)(?:^|\s)(?:zu\s+befüllen|auszufüllen|anzugeben)$", tail):
            return "required"
        if re.search(r"(?i)(?:^|\s)(?:anzuzeigen|einzublenden)$", tail):
            return "required" if mandatory else "allowed"
        if re.search(r"(?i)(?:^|\s)nicht\s+sichtbar$", tail):
            return "empty"
        if re.search(r"(?i)(?:^|\s)sichtbar$", tail):
            return "allowed"
        if re.search(r"(?i)(?:^|\s)(?:verpflichtend|Pflicht|erforderlich)$", tail):
            return "mandatory"  # "ist Y Pflicht/erforderlich": must be answered, like a Pflichtfeld
        if re.search(r"(?i)(?:^|\s)eine?\s+Pflicht(?:feld)?gruppe$", tail):
            return "required"  # a group that must be filled: shown and required
        if re.search(r"(?i)(?:^|\s)anzuzeigen\s+und\s+zu\s+befüllen$", tail):
            return "required"
        if re.search(r"(?i)(?:^|\s)eine?\s+Pflicht(?:feld|angabe)$", tail):
            return "mandatory"
        if re.search(r"(?i)(?:^|\s)(?:ein\s+optionales\s+Feld|optional)$", tail):
            return "optional"
        return None
    if verb in ("erscheint", "erscheinen"):
        # "erscheint Y (und muss befüllt werden)": shown (and required).
        if re.search(r"(?i)(?:^|\s)und\s+muss\s+(?:befüllt|ausgefüllt)\s+werden$", tail):
            return "required"
        return "allowed" if not tail or mandatory else None
    if verb in ("wird", "werden"):
        if re.search(r"(?i)(?:^|\s)zu(?:m|r)?\s+Pflicht(?:feld(?:ern)?|angaben?)?$", tail):
            return "mandatory"
        found = re.search(
            r"(?i)(?:^|\s)(?P<neg>nicht\s+)?(?P<state>angezeigt|eingeblendet|sichtbar|ausgeblendet)$",
            tail,
        )
        if found is None:
            return None
        hidden = (found["state"].lower() == "ausgeblendet") != bool(found["neg"])
        return "empty" if hidden else ("required" if mandatory else "allowed")
    if verb not in ("muss", "darf", "kann", "soll"):
        return None
    if re.search(r"(?i)(?:^|\s)(?:zum|ein)\s+Pflichtfeld\s+(?:werden|sein)$", tail):
        return "mandatory" if verb in ("muss", "soll") else None
    found = re.search(
        r"(?i)(?:^|\s)(?P<neg>nicht\s+)?(?P<state>befüllt|ausgefüllt|angegeben|leer|angezeigt|"
        r"eingeblendet|sichtbar|ausgeblendet)(?:\s+(?:sein|werden|bleiben))?$",
        tail,
    )
    if found is None:
        return None
    modal = "muss" if verb == "soll" else verb
    negated, state = bool(found["neg"]), found["state"].lower()
    if state in ("angezeigt", "eingeblendet", "sichtbar"):
        if modal == "darf":
            return "empty" if negated else "allowed"
        if negated:
            return None
        return "required" if mandatory and modal == "muss" else "allowed"
    if state == "ausgeblendet":
        # "muss ausgeblendet werden"; "darf ausgeblendet sein" (the other clause of the rule
        # says when it is shown) hides it as well.
        return "empty" if modal in ("muss", "darf") and not negated else None
    meaning = _meaning(modal, negated, state)
    return "required_if" if meaning == "required" and state == "leer" else meaning


_SUBJECT = (
    r"(?:(?:die|das|der)\s+)?(?:darin\s+enthaltene\s+)?"
    r"(?:(?:Datenfeldgruppen?|Datengruppen?|Datenfelder|Datenfeld|Feldgruppen?|Felder|Feld|"
    r"Gruppen?)\s+)?"
)
_PLURAL = {"müssen": "muss", "dürfen": "darf", "sollen": "soll", "können": "kann"}
_VERB_WORDS = r"(?:ist|sind|muss|müssen|darf|dürfen|soll|sollen|kann|können|wird|werden)"


def _condition_last(text: str) -> str | None:
    """One sentence "Y <Aktion>, (nur) (dann,) wenn <Bedingung>." written as "Wenn
    <Bedingung>, dann <Aktion>" ("nur dann" goes: the condition already says when), or None
    when the text is not such a sentence (no reference before "wenn", several sentences)."""
    masked = _mask(text)
    if re.match(r"(?i)wenn\s", masked):
        # Already "Wenn …" first: not this shape (and never inverted twice).
        return None
    found = re.fullmatch(
        r"(?P<action>[^.;:]*?)(?:,\s*|\s+)(?:nur\s+)?(?:dann,?\s+)?wenn\s+(?P<cond>[^;:]+?)\.?",
        masked,
    )
    if found is None or found["cond"].count(". ") or not re.search(REF, found["action"]):
        return None
    action = text[: found.end("action")]
    action = re.sub(r"\s+nur(?:\s+dann)?(?=\s)", "", action)
    action = re.sub(r"^(Die|Das|Der)\s", lambda article: article[1].lower() + " ", action)
    condition = text[found.start("cond") : found.end("cond")]
    return f"Wenn {condition}, dann {_subject_first(action)}."


def _subject_first(piece: str) -> str:
    """ "die Feldgruppe G "…" ist auszublenden" as "ist die Feldgruppe G "…" auszublenden"
    (the verb first, as `_segment_meaning` reads an action); other pieces unchanged."""
    masked = _mask(piece)
    lead = re.match(_SUBJECT + REF, masked)
    if lead is None:  # the verb comes first already
        return piece
    # A verb with something after it: a closing "werden"/"sein" is the auxiliary of a
    # participle ("… befüllt werden") and stays where it is.
    verb = re.search(r"\s(" + _VERB_WORDS + r")(?=\s)", masked[lead.end() :])
    if verb is None:
        return piece
    start, end = lead.end() + verb.start(1), lead.end() + verb.end(1)
    word = _PLURAL.get(piece[start:end], piece[start:end])
    return f"{word} {piece[:start].strip()} {piece[end:].strip()}".strip()


def _split_actions(text: str) -> list[str]:
    """An action made of several ("… eine Pflichtfeldgruppe UND die Feldgruppe Y ist
    auszublenden", "muss X als Pflichtfeldgruppe angezeigt UND Y ausgeblendet werden")
    as one action each, verb first; the modal and the closing "werden"/"sein" of one are
    shared with the other where it lacks them."""
    masked = _mask(text)
    cuts = [
        found
        for found in re.finditer(
            r"\s+(?:UND|und)\s*(?=" + _SUBJECT + REF + r"|" + _VERB_WORDS + r"\s)", masked
        )
        if found[0].strip() == "UND" or re.match(r"\s*(?:die|das|der)\s", masked[found.end() :])
    ]
    if not cuts:
        return [text]
    bounds = [0, *[b for found in cuts for b in (found.start(), found.end())], len(text)]
    pieces = [text[bounds[i] : bounds[i + 1]].strip() for i in range(0, len(bounds), 2)]
    pieces = [_subject_first(piece) for piece in pieces]
    modal = re.match(r"(muss|darf|soll|kann)\s", pieces[0])
    closing = re.search(r"\s(werden|sein)$", pieces[-1])
    # "muss A UND B befüllt werden": A without a state of its own takes the next one's.
    for index in range(len(pieces) - 2, -1, -1):
        state = _tail(_mask(pieces[index + 1]))
        if state and not _tail(_mask(pieces[index])):
            pieces[index] += " " + pieces[index + 1][-len(state) :]
    out = []
    for piece in pieces:
        if modal and not re.match(_VERB_WORDS + r"\s", piece):
            piece = f"{modal[1]} {piece}"
        if (
            closing
            and re.match(r"(?:muss|darf|soll|kann)\s", piece)
            and not re.search(r"\s(?:werden|sein|bleiben)$", piece)
        ):
            piece = f"{piece} {closing[1]}"
        out.append(piece)
    return out


def _actions(text: str) -> list[tuple[str, str]] | None:
    """The (reference, meaning) pairs of a clause's action, which may be several joined
    with UND (`_split_actions`); see `_one_action`."""
    text = text.strip().rstrip(".").strip()
    # "… UND weiter mit G "…"": where the form goes next, which the steps already say.
    text = re.sub(r"\s+(?:UND|und)\s+weiter\s+mit\s+" + REF + r'(?:\s*"[^"]*")?$', "", text)
    if re.search(r"(?i)(?:,\s*|\s+)(?:sonst|ansonsten)\b", _mask(text)):
        return _one_action(text)
    pairs = []
    for piece in _split_actions(text):
        found = _one_action(piece)
        if found is None:
            return None
        pairs += found
    return pairs or None


def _one_action(text: str) -> list[tuple[str, str]] | None:
    """The (reference, meaning) pairs of a clause's action (see `_segment_meaning`); an
    "otherwise not shown" part ("sonst …", "ansonsten nicht") must hide only the same
    items, which `visible_if` does anyway. None: not understood."""
    text = text.strip().rstrip(".").strip()
    masked = _mask(text)
    otherwise = re.search(r"(?i)(?:,\s*|\s+)(?:sonst|ansonsten)\b", masked)
    rest = ""
    if otherwise:
        text, masked, rest = (
            text[: otherwise.start()],
            masked[: otherwise.start()],
            text[otherwise.end() :].strip().rstrip("."),
        )
    cuts = [0] + [
        found.end()
        for found in re.finditer(r"(?i)(?:,\s*|\s+)(?:und\s+)?(?=" + _ACTION_VERBS + r"\s)", masked)
        if found.start() > 0
    ]
    pieces = []
    for start, end in zip(cuts, [*cuts[1:], len(masked)], strict=True):
        piece = masked[start:end].strip().rstrip(",").strip()
        piece = re.sub(r"(?i)\s+und$", "", piece)
        pieces.append((text[start : start + len(piece)], piece))
    results: list[list[tuple[str, str]]] = []
    for original, piece in pieces:
        if not piece:
            return None
        if piece.split(None, 1)[0].lower() == "mache":
            # "… und mache es/sie zu einer Pflichtangabe": the previous items are required.
            if not results or not re.search(r"(?i)Pflicht", piece):
                return None
            results[-1] = [(ref, "required") for ref, _meaning in results[-1]]
            continue
        refs = re.findall(REF, original)
        meaning = _segment_meaning(piece)
        if not refs or meaning is None or not _plain_list(piece):
            return None
        results.append([(ref, meaning) for ref in refs])
    pairs = [pair for part in results for pair in part]
    mandatory_otherwise = r"(?i)(?:ist\s+(?:es|sie|er)\s+)?eine?\s+Pflicht(?:feld|angabe)"
    if rest and re.fullmatch(mandatory_otherwise, rest):
        # "… ist Y optional, sonst (ist es) ein Pflichtfeld": required unless the condition.
        if any(meaning != "optional" for _ref, meaning in pairs):
            return None
        return [(ref, "mandatory_otherwise") for ref, _meaning in pairs]
    if rest:
        masked_rest = _mask(rest)
        hides = re.fullmatch(r"(?i)nicht|(?:zeige|blende)\s.*", masked_rest) and (
            _segment_meaning(masked_rest) == "empty" if " " in masked_rest else True
        )
        named = set(re.findall(REF, rest))
        if not hides or not named <= {ref for ref, _meaning in pairs}:
            return None
        # Hidden otherwise: "must be answered" becomes "shown and required".
        pairs = [
            (ref, "required" if meaning in ("mandatory", "required_if") else meaning)
            for ref, meaning in pairs
        ]
    return pairs or None


def _plain_list(masked: str) -> bool:
    """Whether the references of one action are a plain list ("A, B und C"): several items
    with different roles ("A als Pflicht angezeigt UND B ausgeblendet") are not guessed."""
    found = list(re.finditer(REF + r'(?:\s*"[^"]*")?', masked))
    between = (masked[a.end() : b.start()] for a, b in itertools.pairwise(found))
    return all(re.fullmatch(r"\s*(?:,|und|sowie)?\s*" + _LEAD, part) for part in between)


def _compared_field(condition: dict) -> str | None:
    if "not" in condition:
        condition = condition["not"]
    compares = "equals" in condition or "in" in condition or "between" in condition
    return condition.get("field") if compares else None


# Why a rule naming codes is refused for a field that is no choice ("„id“ <this>").
NO_CODE_LIST = "ist kein Auswahlfeld."


class RuleNotUnderstood(Exception):
    """The rule's text is not one of the known patterns; the message says why (German)."""


@dataclass
class Effect:
    """What a translated rule does to one item: show it only when `condition` holds (None:
    visibility unchanged); `required` if the rule says it must then be filled; `props` set on
    the item; `rule` appended to the definition's rules."""

    item_id: str
    condition: dict | None
    required: bool = False
    props: dict | None = None
    rule: dict | None = None
    # The condition says when the item is shown ("zeige Y, wenn …"); several rules showing
    # one item join with ODER. Otherwise it is a restriction ("darf nicht …, wenn …"), and
    # restrictions join with UND.
    shows: bool = False
    # Makes a group that "muss befüllt werden" have its entry (`_group_filled`).
    fills: bool = False


def _normalise(text: str) -> str:
    text = text.replace("„", '"').replace("“", '"').replace("”", '"')
    # A doubled closing quote right after a label ("e.V."") is one: the quotes stay
    # balanced, nothing else changes (`""` as an empty value follows a space).
    text = re.sub(r'(?<=[^\s"=])""(?=[\s,.;:)])', '"', text)
    # A label in single quotes, or opened and closed with different quotes, after a
    # reference ('Rechtsform', "Gesellschafter'), and a value in single quotes (= 'Ja').
    text = re.sub(
        REF + r"""\s*(?:'([^'"]*)'|'([^'"]*)"|"([^'"]*)'(?=[\s,.;:)]|$))""",
        lambda found: f'{found[1]} "{found[2] or found[3] or found[4] or ""}"',
        text,
    )
    text = re.sub(r"""(=\s*)'([^'"]*)'""", r'\1"\2"', text)
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
        codes: Callable[[str], list[tuple[str, str]] | None] = lambda _item_id: None,
        land_field: Callable[[], str] | None = None,
        listless: Callable[[str], bool] = lambda _item_id: False,
    ):
        self.resolve = resolve
        # Whether an item is a text field made of a FIM select whose code list is missing:
        # rules naming its codes (ranges, allowed codes) are still executable on its answer.
        self.listless = listless
        # The id of the field holding the Land (`"system": "land"`), added on first use;
        # None: rules for some Länder are not translated.
        self.land_field = land_field
        self.item = item
        # The (code, label) entries of a field's code list; None: not known.
        self.codes = codes
        # The repeated groups around an item (outermost first, not the item itself).
        self.repeats = repeats
        # The repeated group of one field the importer made of a repeated FIM field: "the
        # field is filled" is "the group has an entry with a value" (nameable from outside).
        self.wrapper = wrapper

    def translate(self, text: str, owner: str) -> list[Effect]:
        text = _normalise(text)
        if not text:
            raise RuleNotUnderstood("Die Regel hat keinen Text.")
        # "in der (Feld)Gruppe G (…) das/im (Daten)Feld F" names F inside G: `G.F`.
        text = re.sub(
            r"(?:(?:in|im)\s+(?:der\s+)?|(?<=WENN\s)|(?<=Wenn\s))(?:Daten)?(?:[Ff]eld)?[Gg]ruppe\s+"
            + REF
            + r'(?:\s*"[^"]*")?\s+(?:(?:im|in|das|dem)\s+)?(?:Daten)?[Ff]eld\s+'
            + REF,
            lambda found: f"das Feld {found[1]}.{found[2]}",
            text,
        )
        # "in der Codeliste die Einträge folgender Codes ausgewählt: 211000, 111000-113000"
        # lists codes and spans of codes: "Auswahl = 211000, 111000 bis 113000".
        text = re.sub(
            r"\s+in\s+der\s+Codeliste\s+(?:die\s+)?Einträge?\s+(?:folgender|der\s+folgenden)\s+"
            r"Codes\s+(?:aus)?gewählt(?:\s+(?:wird|wurde|ist|sind|werden|wurden))?\s*:\s*"
            r"(?P<codes>[0-9]+(?:\s*(?:,|[-–])\s*[0-9]+)*)",
            lambda found: " Auswahl = " + re.sub(r"\s*[-–]\s*", " bis ", found["codes"]),
            text,
        )
        text = _states_rewritten(text)
        # "Falls …" and "Sofern …" open a condition like "Wenn …".
        for found in reversed(list(re.finditer(r"\b(?:[Ff]alls|[Ss]ofern)\b", _mask(text)))):
            word = "Wenn" if found[0][0].isupper() else "wenn"
            text = text[: found.start()] + word + text[found.end() :]
        # "Entweder muss A oder B befüllt sein" is "Es muss entweder A oder B befüllt sein".
        text = re.sub(r"^Entweder\s+muss\s+", "Es muss entweder ", text)
        # "Mindestens eines der Felder A, B muss befüllt sein": "Es muss mindestens …".
        text = re.sub(
            r"^Mindestens\s+(eines|eins)\s+der\s+(Felder|Feldgruppen)\s+(.+?)\s+muss\s+"
            r"((?:befüllt|ausgefüllt|angegeben)\s+(?:sein|werden))",
            r"Es muss mindestens \1 der \2 \3 \4",
            text,
        )
        # "Entweder A oder B muss angegeben werden": "Es muss entweder A oder B befüllt werden".
        text = re.sub(
            r"^Entweder\s+(.+?)\s+muss\s+(?:befüllt|ausgefüllt|angegeben)\s+(sein|werden)",
            r"Es muss entweder \1 befüllt \2",
            text,
        )
        if (sections := _land_sentences(text)) is not None:
            text = sections
        elif inline := _LAND_INLINE.match(text):
            text = _land_sections(inline)
        if _LAND_HEAD.match(_mask(text)):
            return self._land_rule(text, owner)
        if match := _PREFILL_HIDE.match(text):
            return [self._prefill_hide(match, owner)]
        if match := _DATE_ORDER.match(text):
            return [self._date_order(match, owner)]
        if match := _ANY_TRUE_CHECK.match(text):
            return [self._any_true(match, owner)]
        if match := _DATE_PARTS.match(text):
            return [self._date_parts(match, owner)]
        if match := _NOT_FUTURE.match(text):
            target = self.resolve(match["target"], owner)
            item = self._expect_type(target, ("date",), "ist kein Datumsfeld.")
            bound = "max" if match["when"] == "Zukunft" else "min"
            if item.get(bound) is not None:
                raise RuleNotUnderstood(f"„{target}“ hat schon eine Grenze ({bound}).")
            return [Effect(target, None, props={bound: "today"})]
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
                Effect(names[0], None, rule={"any_filled": names, "message": message[:500]}),
            ]
        if match := _ALTERNATIVES.match(text):
            return self._alternatives(match, owner)
        if match := _AT_LEAST_ONE.match(text):
            return [self._at_least_one(match, owner)]
        if match := _UNIQUE_ENTRIES.match(text):
            return [self._unique_entries(match, owner)]
        sentences = [part.strip() for part in re.split(r"(?<=\.)\s+(?=Wenn\s)", text)]
        if sentences and all(_REQUIRED_WHEN.match(part) for part in sentences):
            return self._required_when([_REQUIRED_WHEN.match(part) for part in sentences], owner)
        if match := _REQUIRED_IF_REVERSED.match(text):
            # "Y ist ein Pflichtfeld, wenn <Bedingung>": Y must be answered then.
            target = self.resolve(match["target"], owner)
            self._expect_field(target)
            condition = self._scoped(self._condition(match["cond"], owner), target)
            return [Effect(target, None, props={"required_if": condition})]
        clauses = _clauses(text)
        if not clauses and (inverted := _condition_last(text)) is not None:
            # "Y ist (nur dann) anzuzeigen, wenn C": read as "Wenn C, dann ist Y anzuzeigen".
            return self.translate(inverted, owner)
        if not clauses:
            raise RuleNotUnderstood("Kein bekanntes Muster („Wenn …, dann …“).")
        positive: dict[str, Effect] = {}
        negative: dict[str, Effect] = {}
        required_if: dict[str, Effect] = {}
        restrictions: list[Effect] = []
        fills: dict[str, Effect | None] = {}
        previous = None
        for clause_text, cond_text, action_text in clauses:
            only = _ONLY_CODES.search(_mask(action_text))
            restricted = None
            if only:
                codes_text = action_text[only.start("codes") : only.end("codes")]
                action_text = action_text[: only.start()]
            elif only := _MAY_ONLY.search(_mask(action_text)):
                # "darf in Feld Y nur (einer) der Code(s) … ausgewählt sein (UND …)".
                codes_text = action_text[only.start("codes") : only.end("codes")]
                restricted = [(only["ref"], "optional")]
                rest = action_text[: only.start()] + " " + action_text[only.end() :]
                rest = rest.strip().rstrip(".").strip()
                # The rest may name its subject first: "UND das Feld Y muss befüllt sein".
                action_text = _subject_first(re.sub(r"^(?:UND|und)\s+|\s+(?:UND|und)$", "", rest))
            actions = _actions(action_text) if action_text else []
            if actions is None:
                raise RuleNotUnderstood(f"Satz nicht verstanden: {clause_text}")
            if restricted:
                actions = [*actions, *restricted]
            condition, previous = self._clause_condition(cond_text, owner, previous)
            if only:
                restrictions.append(
                    self._only_codes(restricted or actions, codes_text, condition, owner)
                )
            for ref, meaning in actions:
                target = self.resolve(ref, owner)
                scoped = self._scoped(condition, target)
                item = self.item(target)
                is_field = item.get("kind") == "field"
                if meaning == "optional":
                    # Says only that Y need not be answered then (another clause says when
                    # it must be); a rule made only of such clauses is not taken over.
                    continue
                if meaning == "mandatory_otherwise":
                    meaning, scoped = "mandatory", {"not": scoped}
                if meaning == "empty":
                    negative[target] = Effect(target, {"not": scoped})
                elif meaning == "mandatory" or (meaning == "required_if" and is_field):
                    # "darf nicht leer sein", "ist ein Pflichtfeld": must be answered then;
                    # says nothing about when it may be filled, so the field stays shown.
                    self._expect_field(target)
                    required_if[target] = Effect(target, None, props={"required_if": scoped})
                else:
                    required = meaning == "required" and is_field and item.get("type") != "info"
                    if meaning == "required" and not is_field:
                        fills.setdefault(target, self._group_filled(target))
                    old = positive.get(target)
                    if old is not None:
                        # Two sentences showing the same item: either condition shows it.
                        scoped = {"any": [old.condition, scoped]}
                        required = required and old.required
                    positive[target] = Effect(target, scoped, required, shows=True)
        # The "darf nicht" sentence is the complement of the "muss" one; the latter decides.
        effects = [*positive.values(), *(e for t, e in negative.items() if t not in positive)]
        taken = {effect.item_id for effect in effects}
        effects = [*effects, *(e for t, e in required_if.items() if t not in taken)]
        effects.extend(restrictions)
        effects.extend(
            fill for target, fill in fills.items() if fill is not None and target in positive
        )
        if not effects:
            raise RuleNotUnderstood("Die Regel sagt nur, wann etwas freiwillig ist.")
        return effects

    def _land_rule(self, text: str, owner: str) -> list[Effect]:
        """ "Für die Länder NW, SL gilt: <Regel> Für alle anderen Länder gilt: <Regel>": each
        section's rule holds where the applicant's Land (the `land` field the platform sets)
        is one of the section's; an item no section names is left alone in the Länder of no
        section. Sections may show, hide and require items (conditions only)."""
        if self.land_field is None:
            raise RuleNotUnderstood("Regeln für einzelne Länder werden hier nicht übersetzt.")
        masked = _mask(text)
        heads = list(_LAND_HEAD.finditer(masked))
        sections: list[tuple[list[str] | None, str]] = []
        for head, following in zip(heads, [*heads[1:], None], strict=True):
            body = text[head.end() : following.start() if following else len(text)].strip()
            codes = None if head["others"] else _land_codes(head["list"])
            if not body:
                raise RuleNotUnderstood("Ein Abschnitt für Länder ist leer.")
            sections.append((codes, body))
        named = [code for codes, _body in sections for code in codes or ()]
        if len(named) != len(set(named)) or sum(codes is None for codes, _ in sections) > 1:
            raise RuleNotUnderstood("Ein Land kommt in mehreren Abschnitten vor.")
        if not named:
            raise RuleNotUnderstood("Die Regel nennt kein Land.")
        if all(codes is not None for codes, _body in sections):
            sections.append((None, ""))  # the other Länder: this rule says nothing
        per_item: dict[str, dict[int, tuple]] = {}
        for index, (_codes, body) in enumerate(sections):
            for effect in self._land_section(body, owner) if body else []:
                if effect.props or effect.rule or effect.item_id in per_item.get(index, {}):
                    raise RuleNotUnderstood("Ein Abschnitt für Länder ist nicht übersetzbar.")
                condition = effect.condition
                per_item.setdefault(effect.item_id, {})[index] = (condition, effect.required)
        land = self.land_field()
        effects = []
        for item_id, said in per_item.items():
            shown, required, always = [], [], True
            for index, (codes, _body) in enumerate(sections):
                place = _in_land(land, codes) if codes else {"not": _in_land(land, named)}
                condition, must = said.get(index, (None, False))
                if condition is _NEVER:
                    continue
                term = place if condition is None else {"all": [place, condition]}
                shown.append(term)
                if must:
                    required.append(term)
                else:
                    always = False
            if not shown:
                raise RuleNotUnderstood(f"„{item_id}“ wäre in keinem Land zu sehen.")
            visible = shown[0] if len(shown) == 1 else {"any": shown}
            fill = None
            if required and self.item(item_id).get("kind") != "field":  # a group or step
                # A group "muss … befüllt werden": its entry is required where it is shown,
                # or (`when`) only in those Länder.
                when = None if always else required[0] if len(required) == 1 else {"any": required}
                fill = self._group_filled(item_id, when)
                required = []
            if (
                fill is None
                and not required
                and all(said.get(i, (None,))[0] is None for i in range(len(sections)))
            ):
                # Shown everywhere and required nowhere (a group already filled by its own
                # required fields): nothing to execute.
                raise RuleNotUnderstood(f"Die Regel ändert an „{item_id}“ nichts Ausführbares.")
            props = None
            if required and not always:
                # Required only in some Länder: no longer required in the others.
                props = {
                    "required": False,
                    "required_if": required[0] if len(required) == 1 else {"any": required},
                }
            effects.append(Effect(item_id, visible, bool(required) and always, props=props))
            if fill is not None:
                effects.append(fill)
        return effects

    def _land_section(self, body: str, owner: str) -> list[Effect]:
        """The effects of one section: "WENN … DANN …" clauses, or sentences without a
        condition ("Die Datengruppe G muss befüllt werden"; a hidden item's condition is
        `_NEVER`)."""
        sentences = [part for part in re.split(r"(?<=\.)\s+", body) if part.strip()]
        plain = [_PLAIN.match(part.strip()) for part in sentences]
        if not all(plain):
            # A group's entry is not required per Land (the sections say only where it is
            # shown); its fields' own checks apply where it is.
            effects = [effect for effect in self.translate(body, owner) if not effect.fills]
            for effect in effects:
                if effect.condition is None:
                    raise RuleNotUnderstood("Ein Abschnitt für Länder ist nicht übersetzbar.")
            return effects
        effects = []
        for match in plain:
            actions = _actions(f"{match['verb']} {match['ref']} {match['rest']}")
            if actions is None:
                raise RuleNotUnderstood(f"Satz nicht verstanden: {match[0]}")
            for ref, meaning in actions:
                target = self.resolve(ref, owner)
                item = self.item(target)
                if meaning == "empty":
                    effects.append(Effect(target, _NEVER))
                elif meaning in ("required", "allowed"):
                    # A group "muss … befüllt werden": its entry is required (`_land_rule`).
                    required = meaning == "required" and item.get("type") != "info"
                    effects.append(Effect(target, None, required))
                else:
                    raise RuleNotUnderstood(f"Satz nicht verstanden: {match[0]}")
        return effects

    def _only_codes(self, actions, codes_text: str, condition: dict, owner: str) -> Effect:
        """ "…, wobei nur die Codes A "…" ODER B "…" ausgewählt werden dürfen": the one item
        of the action (a choice field) may hold only these codes while `condition` holds."""
        targets = {self.resolve(ref, owner) for ref, _meaning in actions}
        if len(targets) != 1:
            raise RuleNotUnderstood("Die Einschränkung der Codes gilt nicht für genau ein Feld.")
        (target,) = targets
        item = self._expect_choice(target)
        masked = _mask(codes_text)
        cuts = [0]
        for found in re.finditer(r"\s+(?i:oder|und)\s+|\s*,\s*", masked):
            cuts += [found.start(), found.end()]
        cuts.append(len(codes_text))
        parts = [codes_text[cuts[i] : cuts[i + 1]].strip() for i in range(0, len(cuts), 2)]
        # Code → its label in the rule's text (`B "Handelsregister B"`), for the message
        # while the field's code list is missing.
        written: dict = {}
        for part in filter(None, parts):
            code = self._value(target, part)
            quoted = re.search(r'"([^"]+)"', part)
            label = quoted[1].strip() if quoted else ""
            written.setdefault(code, label if label != code else "")
        codes = list(written)
        if not codes or any(isinstance(code, bool) for code in codes):
            raise RuleNotUnderstood(f"Codes nicht verstanden: {codes_text}")
        labels = dict(self.codes(target) or ())
        names = [f"„{labels.get(code) or written[code] or code}“" for code in codes]
        allowed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" oder {names[-1]}"
        message = f"Bei „{_title(item)}“ ist nach Ihren Angaben nur {allowed} möglich."
        rule = {
            "only_codes": codes,
            "field": target,
            "when": self._scoped(condition, target),
            "message": message[:500],
        }
        return Effect(target, None, rule=rule)

    def _prefill_hide(self, match, owner: str) -> Effect:
        """A field set to one value and not shown: `fixed` (the data holds the value)."""
        target = self.resolve(match["target"], owner)
        item = self._expect_type(
            target, ("choice", "text", "boolean"), "ist kein Auswahl-, Text- oder Ja/Nein-Feld."
        )
        # "001 "privat"", "001=Natürliche Person": the code (with its label).
        raw = match["value"] or match["value3"] or match["value4"]
        # "004 = Sonstige Betriebsstätte", "04 = "Betriebsstätte (unspezifisch)"".
        value = self._value(target, re.sub(r"^([0-9A-Za-z]+)\s+=\s*", r"\1=", raw))
        if item.get("required_if") is not None:
            raise RuleNotUnderstood(f"„{target}“ ist nur unter einer Bedingung Pflicht.")
        return Effect(target, None, props={"fixed": value})

    def _any_true(self, match, owner: str) -> Effect:
        """At least one of the named Ja/Nein fields (or of a group's) must be yes."""
        if match["refs"] is not None:
            names = [self.resolve(ref, owner) for ref in re.findall(REF, match["refs"])]
        else:
            if match["group"]:
                group = self.resolve(match["group"], owner)
            elif owner:
                parent, _dot, own = owner.rpartition(".")
                group = self.resolve(own, parent)
            else:
                raise RuleNotUnderstood("Die Regel nennt keine Feldgruppe.")
            names = self._field_ids(group)
        if len(names) < 2:
            raise RuleNotUnderstood("Die Regel nennt weniger als zwei Felder.")
        for name in names:
            self._expect_boolean(name)
        labels = [f"„{_title(self.item(name))}“" for name in names]
        message = (
            f"Bitte wählen Sie mindestens eines aus: {', '.join(labels[:-1])} oder {labels[-1]}."
        )
        return Effect(names[0], None, rule={"any_true": names, "message": message[:500]})

    def _date_order(self, match, owner: str) -> Effect:
        """ "Das Datum im Feld A muss vor dem Datum in Feld B liegen": a rule comparing the
        two dates (the message at A)."""
        left = self.resolve(match["left"], owner)
        right = self.resolve(match["right"], owner)
        for item_id in (left, right):
            self._expect_type(item_id, ("date",), "ist kein Datumsfeld.")
        before = match["order"] == "vor"
        if match["modal"] == "darf":
            if not match["neg"]:
                raise RuleNotUnderstood("„darf … liegen“ verlangt nichts.")
            before = not before
            op = "<=" if before else ">="
        else:
            if match["neg"]:
                raise RuleNotUnderstood("„muss nicht … liegen“ verlangt nichts.")
            same_day = bool(match["same"])
            op = ("<=" if before else ">=") if same_day else ("<" if before else ">")
        words = "vor" if op.startswith("<") else "nach"
        message = (
            f"„{_title(self.item(left))}“ muss {'am selben Tag oder ' if '=' in op else ''}"
            f"{words} „{_title(self.item(right))}“ liegen."
        )
        return Effect(left, None, rule={"left": left, "op": op, "right": right,
                                        "message": message[:500]})  # fmt: skip

    def _date_parts(self, match, owner: str) -> Effect:
        """Day, month and year (in this order, each named by its label) make a calendar
        date: a `valid_date` rule, the message at the day."""
        found = re.findall(REF + r'\s*"([^"]*)"', match["refs"])
        if len(found) != 3 or len(re.findall(REF, match["refs"])) != 3:
            raise RuleNotUnderstood("Die Regel nennt nicht genau drei Felder mit Bezeichnung.")
        for (_ref, label), word in zip(found, ("Tag", "Monat", "Jahr"), strict=True):
            if not label.strip().lower().startswith(word.lower()):
                raise RuleNotUnderstood(f"„{label}“ ist nicht das Feld „{word}“.")
        names = [self.resolve(ref, owner) for ref, _label in found]
        for name in names:
            self._expect_type(
                name, ("integer", "text", "choice"), "ist kein Zahl-, Text- oder Auswahlfeld."
            )
        message = "Bitte geben Sie ein gültiges Datum an (diesen Tag gibt es im Monat nicht)."
        return Effect(names[0], None, rule={"valid_date": names, "message": message})

    def _clause_condition(self, text: str, owner: str, previous: str | None):
        """The condition of one clause; a clause that names no field continues the
        comparison of the previous one (`wenn <> "Ja", dann …`). Returns the condition and
        the field it compares (for the next clause)."""
        text = text.strip().rstrip(",").strip()
        if (bare := _BARE_COMPARE.match(_simplify_operators(text))) and previous:
            op = bare["op"] or "="
            return self._compare(previous, op, bare["value"] or bare["code"]), previous
        condition = self._condition(text, owner)
        return condition, _compared_field(condition) or previous

    def _expect_type(self, item_id: str, types: tuple[str, ...], refusal: str) -> dict:
        """The item `item_id`, a field of one of `types`; else the rule is not taken over
        ("„item_id“ <refusal>")."""
        item = self.item(item_id)
        if item.get("kind") != "field" or item.get("type") not in types:
            raise RuleNotUnderstood(f"„{item_id}“ {refusal}")
        return item

    def _expect_choice(self, item_id: str) -> dict:
        """A choice field, or a FIM select whose code list is missing (its answer is a code)."""
        if self.listless(item_id):
            return self.item(item_id)
        return self._expect_type(item_id, ("choice", "multichoice"), NO_CODE_LIST)

    def _expect_field(self, item_id: str):
        item = self.item(item_id)
        if item.get("kind") != "field" or item.get("type") == "info":
            raise RuleNotUnderstood(
                f"„{item_id}“ ist kein Feld mit Antwort; „Pflichtfeld“ gilt nur für Felder."
            )

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
                condition = self._compare(source, "=", value)
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
        item = self._expect_type(
            target,
            ("multichoice",),
            "ist keine Mehrfachauswahl (fehlt die Codeliste?); dass jeder Eintrag nur einmal "
            "vorkommt, ließe sich nicht prüfen.",
        )
        low = item.get("min")
        if low is not None and low > count:
            raise RuleNotUnderstood(f"„{target}“ verlangt schon mindestens {low} Antworten.")
        return Effect(target, None, props={"max": count})

    def _group_filled(self, group_id: str, when: dict | None = None) -> Effect | None:
        """A group that "muss befüllt werden" while shown: a repeated (or optional, 0 to 1)
        group gets at least one entry (`repeat.min` 1; hidden, it is not checked); a group
        of one entry is filled by its own required fields, or else by at least one of its
        fields (`any_filled`; a single field becomes required). Only while `when` holds (a
        group required in some Länder): an `any_filled` rule with that `when` over its fields,
        or over the repeated group itself (an entry with a value; a single field: `required_if`)."""
        item = self.item(group_id)
        repeat = item.get("repeat")
        if repeat is not None and repeat.get("min", 0) >= 1:
            return None
        if repeat is None and _required_inside(item["items"]):
            return None
        if repeat is not None and when is None:
            return Effect(group_id, None, props={"repeat": {**repeat, "min": 1}}, fills=True)
        names = self._field_ids(group_id)
        if len(names) == 1 and repeat is None:
            if when is None:
                return Effect(names[0], None, required=True, fills=True)
            return Effect(names[0], None, props={"required_if": when}, fills=True)
        message = f"Bitte machen Sie Angaben zu „{_title(item)}“."
        # A repeated group needs an entry with a value: the group itself is the rule's one id.
        rule = {"any_filled": [group_id] if repeat else names, "message": message[:500]}
        if when is not None:
            rule["when"] = when
        return Effect(group_id if repeat else names[0], None, rule=rule, fills=True)

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
        return [Effect(target, self._scoped(condition, target), shows=True) for target in resolved]

    def _condition(self, text: str, owner: str) -> dict:
        """A condition: comparisons joined by only ODER or only UND; brackets group a part
        (`(A ODER B) UND C`), so that UND and ODER mix only with brackets."""
        # The labels' text (which may hold brackets and "UND") does not count for the
        # structure: `masked` has them blanked out at the same positions.
        text = _simplify_operators(text)
        # "(also alle Einträge des Musters 11XXXX)" explains a span; it adds nothing.
        text = re.sub(r"\s*\(also\s+[^()]*\)", "", text)
        masked = _mask(text)
        for word in _UNSUPPORTED:
            if word in masked:
                raise RuleNotUnderstood(f"Bedingung mit „{word}“ wird nicht übersetzt.")
        text, masked = text.strip(), masked.strip()
        while masked.startswith("(") and _closing(masked, 0) == len(masked) - 1:
            text, masked = text[1:-1].strip(), masked[1:-1].strip()
        # Connectors are ODER/UND; "oder"/"und" only where the condition has no capitals
        # ones (labels written without quotes may hold the lower-case words).
        words = r"ODER|UND" if re.search(r"\s(?:ODER|UND)\s", masked) else r"ODER|UND|oder|und"
        parts, connectors, start, depth = [], set(), 0, 0
        for found in re.finditer(r"\(|\)|\s+(" + words + r")\s+", masked):
            if found[0] == "(":
                depth += 1
            elif found[0] == ")":
                depth -= 1
            elif depth == 0:
                parts.append(text[start : found.start()])
                connectors.add(found[1].upper())
                start = found.end()
        if depth != 0:
            raise RuleNotUnderstood("Klammern der Bedingung passen nicht zusammen.")
        parts.append(text[start:])
        if connectors <= {"ODER"}:
            # Commas list codes like ODER (`= 123000="…", 131000="…"`).
            listed = []
            for part in parts:
                cuts = [0]
                for found in _CODE_COMMA.finditer(_mask(part)):
                    if _closing_depth(_mask(part), found.start()) == 0:
                        cuts += [found.start(), found.end()]
                cuts.append(len(part))
                listed += [part[cuts[i] : cuts[i + 1]] for i in range(0, len(cuts), 2)]
            if len(listed) > len(parts):
                connectors.add("ODER")
            parts = listed
        if len(connectors) > 1:
            raise RuleNotUnderstood("UND und ODER gemischt ohne Klammern.")
        atoms = []
        previous, previous_op, previous_date = None, "=", None
        for part in parts:
            part = part.strip().rstrip(",").strip()
            if (more := _SINCE_MORE.match(part)) and previous_date:
                atoms.append(self._since(previous_date, more))
                continue
            if since := _SINCE.match(part):
                previous_date = self.resolve(since["ref"], owner)
                atoms.append(self._since(previous_date, since))
                previous = None
                continue
            bracketed = part.startswith("(") and _closing(_mask(part), 0) == len(part) - 1
            if len(parts) > 1 and bracketed:
                # A bracketed part (its own brackets are removed at the start of the call).
                atoms.append(self._condition(part, owner))
                previous = None
                continue
            if (span := _CODE_SPAN.match(part)) and previous:
                # "… bis 114000=…" after a code of the previous atom's field.
                atoms.append(self._span(previous, previous_op, span["first"], span["last"]))
                continue
            if (bare := _BARE_COMPARE.match(part)) and previous:
                # "ODER = 005 …" continues the comparison with the previous atom's field.
                op = bare["op"] or previous_op
                value = bare["value"] or bare["code"]
                if span := _CODE_SPAN.match(value.strip()):
                    atoms.append(self._span(previous, op, span["first"], span["last"]))
                else:
                    atoms.append(self._compare(previous, op, value))
                continue
            if (compare := _COMPARE.match(part)) and (span := _CODE_SPAN.match(compare["value"])):
                # `Feld X = 110000="…" bis 114000="…"`: the span of codes.
                field_id = self.resolve(compare["ref"], owner)
                atom = self._span(field_id, compare["op"], span["first"], span["last"])
            else:
                atom = self._atom(part, owner)
            previous = _compared_field(atom)
            previous_op = "<>" if "not" in atom else "="
            atoms.append(atom)
        if len(atoms) == 1:
            return atoms[0]
        return {"any" if connectors == {"ODER"} else "all": atoms}

    def _since(self, field_id: str, match) -> dict:
        """ "(aktuelles Datum - F) op N Tage/Monate/Jahre": a `since` comparison of F."""
        self._expect_type(field_id, ("date",), "ist kein Datumsfeld.")
        unit = {"T": "days", "M": "months", "J": "years"}[match["unit"][0]]
        return {"field": field_id, "since": {"op": match["op"], unit: int(match["n"])}}

    def _atom(self, text: str, owner: str) -> dict:
        if match := _CODE_RANGE.match(text):
            field_id = self.resolve(match["ref"], owner)
            low, high = 0, None
            for op, bound in ((match["op1"], int(match["n1"])), (match["op2"], int(match["n2"]))):
                if op in (">", ">="):
                    low = max(low, bound + (op == ">"))
                else:
                    edge = bound - (op == "<")
                    high = edge if high is None else min(high, edge)
            return self._codes_where(field_id, "=", low, high)
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
        if match := _ANY_OF_VALUE.match(text):
            refs = re.findall(REF, match["refs"])
            parts = [self._compare(self.resolve(ref, owner), "=", match["value"]) for ref in refs]
            if not parts:
                raise RuleNotUnderstood("Die Bedingung nennt keine Felder.")
            return parts[0] if len(parts) == 1 else {"any": parts}
        if match := _HAS_VALUE.match(text):
            return self._compare(self.resolve(match["ref"], owner), "=", match["value"])
        if match := _ENTRY_MADE.match(text):
            condition = self._filled(self.resolve(match["ref"], owner))
            return {"not": condition} if match["neg"] else condition
        if match := _COMPARE.match(text):
            return self._compare(self.resolve(match["ref"], owner), match["op"], match["value"])
        if match := _FILLED.match(text):
            item_id = self.resolve(match["ref"], owner)
            filled = (match["state"] != "leer") != bool(match["neg"])
            condition = self._filled(item_id)
            return condition if filled else {"not": condition}
        if match := _TICKED.match(text):
            field_id = self.resolve(match["ref"], owner)
            self._expect_boolean(field_id)
            yes = (match["how"].lower() != "verneint") != bool(match["neg"])
            return {"field": field_id, "equals": yes}
        if match := _CHOSEN.match(text):
            op = "<>" if match["neg"] else "="
            return self._compare(self.resolve(match["ref"], owner), op, match["value"])
        if match := _HAS_THE_VALUE.match(text):
            value = match["value"] or match["answer"]
            return self._compare(self.resolve(match["ref"], owner), "=", value)
        raise RuleNotUnderstood(f"Bedingung nicht verstanden: {text}")

    def _span(self, field_id: str, op: str, first: str, last: str) -> dict:
        """The codes of the field's list from `first` to `last` (numbers, both included)."""
        if int(first) >= int(last):
            raise RuleNotUnderstood(f"Bereich {first} bis {last} ist leer.")
        return self._codes_where(field_id, op, int(first), int(last), ends=(first, last))

    def _codes_where(
        self, field_id: str, op: str, low: int, high: int | None, ends: tuple[str, ...] = ()
    ) -> dict:
        """The numeric codes from `low` to `high` (both included; None: no upper bound), `<>`:
        any other answer. With the field's code list: `in` its codes in the range (a span's
        `ends` must be listed). A FIM select whose list is missing (a text field for now) gets
        `between`, which needs no list and keeps its meaning once the list is added."""
        self._expect_choice(field_id)
        listed = self.codes(field_id)
        if listed is None:
            if high is None or low > high:
                raise RuleNotUnderstood(
                    f"Bereich ohne Obergrenze oder leer bei „{field_id}“ (Codeliste fehlt)."
                )
            condition = {"field": field_id, "between": [low, high]}
            return {"not": condition} if op == "<>" else condition
        listed_codes = [code for code, _label in listed]
        for code in ends:
            if code not in listed_codes:
                raise RuleNotUnderstood(f"Code {code} ist nicht in der Liste von „{field_id}“.")
        top = float("inf") if high is None else high
        numbers = {code: code_number(code) for code in listed_codes}
        chosen = [code for code, n in numbers.items() if n is not None and low <= n <= top]
        if not chosen:
            raise RuleNotUnderstood(f"Kein Code von „{field_id}“ liegt im genannten Bereich.")
        condition = {"field": field_id, "in": chosen}
        return {"not": condition} if op == "<>" else condition

    def _compare(self, field_id: str, op: str, raw: str) -> dict:
        """`field op value`: Ja/Nein words for a Ja/Nein field (or the entry of that name),
        a code (with or without its label, quoted or not; "1" for the code "001"), a label
        of the field's code list, or a bracketed set of them ("= (A ODER B)", "<> (A UND
        B)")."""
        raw = raw.strip().rstrip(",").strip()
        if raw.startswith("(") and _closing(_mask(raw), 0) == len(raw) - 1:
            masked = _mask(raw[1:-1])
            inner = raw[1:-1]
            connector = "UND" if op == "<>" else "ODER"
            cuts = [0]
            for found in re.finditer(r"\s+(?i:" + connector + r")\s+|\s*,\s*", masked):
                cuts += [found.start(), found.end()]
            cuts.append(len(inner))
            values = [
                self._value(field_id, inner[cuts[i] : cuts[i + 1]]) for i in range(0, len(cuts), 2)
            ]
            if any(isinstance(value, bool) for value in values) or len(values) < 2:
                raise RuleNotUnderstood(f"Wertemenge nicht verstanden: {raw}")
            condition = {"field": field_id, "in": values}
        else:
            condition = {"field": field_id, "equals": self._value(field_id, raw)}
        return {"not": condition} if op == "<>" else condition

    def _value(self, field_id: str, raw: str):
        """The value a comparison with `field_id` means by `raw` (see `_compare`)."""
        raw = re.sub(r"\s+ist$", "", raw.strip().rstrip(",").strip())
        # "= Auswahl 01 "ja"": the word before the code is not part of it.
        raw = re.sub(r"^(?:die\s+)?Auswahl\s*:?\s+(?=\S)", "", raw)
        item = self.item(field_id)
        codes = self.codes(field_id)
        word = raw.strip("\"'").strip().lower()
        if word in _BOOLEAN_WORDS:
            if item.get("kind") == "field" and item.get("type") == "boolean":
                return _BOOLEAN_WORDS[word]
            by_label = [code for code, label in codes or () if label.strip().lower() == word]
            if len(by_label) == 1:
                return by_label[0]
            self._expect_boolean(field_id)
        coded = ("choice", "multichoice", "text")
        if item.get("kind") != "field" or item["type"] not in coded:
            raise RuleNotUnderstood(f"„{field_id}“ hat keine Codes.")
        if codes is None:
            return self._unlisted_code(field_id, raw)
        quoted = re.fullmatch(r'"([^"]*)"', raw)
        if quoted:
            inner = quoted[1].strip()
            found = re.fullmatch(r"([0-9]+|[0-9A-Za-z_-]+)(?:\s*(?:=|-)?\s+.*)?", inner)
            if codes is not None:
                by_label = [code for code, label in codes if label.strip() == inner]
                if len(by_label) == 1:
                    return by_label[0]
            if found and (found[1].isdigit() or found[1] == inner):
                return self._known_code(found[1], codes)
            raise RuleNotUnderstood(f"Wert „{inner}“ ist kein Code von „{field_id}“.")
        found = re.fullmatch(r"([0-9A-Za-z_-]+)(?:\s*(?:=|-)\s*.*|\s+.*)?", raw)
        if not found:
            raise RuleNotUnderstood(f"Wert „{raw}“ nicht verstanden.")
        return self._known_code(found[1], codes)

    @staticmethod
    def _unlisted_code(field_id: str, raw: str) -> str:
        """The code `raw` names for a field without a code list (a text field, perhaps a
        FIM select whose list is missing): nothing can be looked up, so only what reads as
        a code is taken — digits (`001`, `"001"`, `221100="GmbH"`) or a short capitalised
        code before its label or alone (`B "Handelsregister B"`, `GesR`). A label or a word
        ("Deutschland", "Auswahl") is refused rather than compared as if it were a code."""
        quoted = re.fullmatch(r'"([^"]*)"', raw.strip())
        text = quoted[1].strip() if quoted else raw.strip()
        found = re.fullmatch(r'([0-9A-Za-z_-]+)(?:\s*(?:=|-)?\s*(?:"[^"]*"|[^"]*))?', text)
        code = found[1] if found else ""
        if re.fullmatch(r"[0-9][0-9A-Za-z_-]*|[A-Z][A-Za-z]{0,3}", code) and (
            not quoted or code == text or code.isdigit()
        ):
            return code
        raise RuleNotUnderstood(
            f"Wert „{text}“ bei „{field_id}“ ist kein Code, und ohne Codeliste lässt sich "
            "keine Bezeichnung nachschlagen."
        )

    @staticmethod
    def _known_code(code: str, codes) -> str:
        """`code`, or the one code of the list with the same number ("1" for "001")."""
        if codes is None or code in {known for known, _label in codes}:
            return code
        if code.isdigit():
            same = [known for known, _label in codes if known.isdigit() and int(known) == int(code)]
            if len(same) == 1:
                return same[0]
        return code

    def _expect_boolean(self, field_id: str):
        self._expect_type(field_id, ("boolean",), "ist kein Ja/Nein-Feld.")

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


# A rule ending with the states it means, with their codes: "Die Mitgliedstaaten der
# Europäischen Union (Stand 2025) sind alphabetisch sortiert: 124 Belgien, …, 0 Deutschland,
# … und 181 Zypern." (also "… der EU, EWR und Schweiz …").
_STATES_DEFINED = re.compile(
    r"\s*Die\s+Mitgliedstaaten\s+(?P<head>[^:.]*?(?:\([^)]*\)[^:.]*?)*):\s*(?P<list>[^:]+?)\.?\s*$"
)


def _field_named(n: int) -> str:
    """ "in/im (Daten)Feld F "Label"" with the groups `ref<n>` and `label<n>`."""
    return (
        r"(?:(?:[Ii]n|[Ii]m)\s+)?(?:(?:das|dem)\s+)?(?:Daten)?[Ff]eld\s+"
        + f"(?P<ref{n}>{REF[1:]}"
        + f'(?P<label{n}>\\s*"[^"]*")?'
    )


# Where a condition asks for one of those states: "in Feld F (in der Auswahl) ein (Nicht-)
# EU-Staat(, (Nicht) EWR-Staat oder (nicht) Schweiz) gewählt", "in Datenfeld F ein Staat
# gewählt wird, der (nicht) zur EU(, zum EWR oder zur Schweiz) gehört", "alle Angaben in Feld
# F <> Deutschland/EU-Staat sind", "mindestens eine Angabe in Feld F = Deutschland/EU-Staat ist".
_STATE_ASKED = re.compile(
    r"(?:"
    + _field_named(1)
    + r"\s+(?:in\s+der\s+Auswahl\s+)?ein(?:en)?\s+(?P<neg1>Nicht[- ]?)?EU-Staat(?:es)?"
    r"(?P<wide1>\s*,\s*(?:Nicht[- ]?)?EWR-Staat\s+oder\s+(?:nicht\s+)?(?:die\s+)?Schweiz)?"
    r"\s+(?:aus)?gewählt(?:\s+(?:wird|wurde|ist))?"
    r"|"
    + _field_named(2)
    + r"\s+ein(?:en)?\s+Staat\s+(?:aus)?gewählt\s+wird,\s+der\s+(?P<neg2>nicht\s+)?zur\s+EU"
    r"(?P<wide2>,\s+zum\s+EWR\s+oder\s+zur\s+Schweiz)?\s+gehört"
    r"|"
    r"(?P<quantor>alle|mindestens\s+eine)\s+Angaben?\s+"
    + _field_named(3)
    + r"\s*(?P<op><>|=)\s*Deutschland\s*/\s*EU-Staat\s+(?:sind|ist)"
    r")"
)


def _states_rewritten(text: str) -> str:
    """A rule that defines the states it means (`_STATES_DEFINED`) with their codes: each
    condition asking for them (`_STATE_ASKED`) becomes a comparison with the set, `Feld F =
    (124 ODER …)` or `<> (124 UND …)`, and the definition is removed. The set must be the
    one the condition names (EU, or EU, EWR and Schweiz); a state without its code, or a
    condition the definition does not cover, is refused rather than guessed."""
    defined = _STATES_DEFINED.search(text)
    if defined is None:
        return text
    entries = [e.strip() for e in re.split(r",\s*|\s+und\s+", defined["list"]) if e.strip()]
    codes = []
    for entry in entries:
        coded = re.fullmatch(r"([0-9]+)\s+\S.*", entry)
        if coded is None:
            raise RuleNotUnderstood(f"Der Staat „{entry}“ steht ohne Code in der Liste der Regel.")
        codes.append(coded[1])
    wide = "EWR" in defined["head"]
    body = text[: defined.start()].strip()

    def compared(found) -> str:
        names_wide = bool(found["wide1"] or found["wide2"])
        if found["quantor"] is None and names_wide != wide:
            raise RuleNotUnderstood("Die Regel nennt andere Staaten, als sie aufzählt.")
        n = next(n for n in (1, 2, 3) if found[f"ref{n}"])
        ref, label = found[f"ref{n}"], found[f"label{n}"]
        if found["quantor"]:
            negated = found["op"] == "<>"
            if (found["quantor"] == "alle") != negated:
                raise RuleNotUnderstood(f"Bedingung nicht verstanden: {found[0]}")
        else:
            negated = bool(found["neg1"] or found["neg2"])
        if negated:
            return f"das Feld {ref}{label or ''} <> ({' UND '.join(codes)})"
        return f"das Feld {ref}{label or ''} = ({' ODER '.join(codes)})"

    rewritten, count = _STATE_ASKED.subn(compared, body)
    return rewritten if count else text


def _land_sentences(text: str) -> str | None:
    """A rule made only of sentences each for some Länder (`_LAND_SUBJECT_FIRST`,
    `_LAND_SPEC_FIRST`) as sections ("Für die Länder … gilt: …"); None: not such a rule."""
    sentences = [part.strip() for part in re.split(r"(?<=\.)\s+", text) if part.strip()]
    sections: list[str] = []
    subject = None
    for sentence in sentences:
        sentence = sentence.rstrip(".").strip()
        match = _LAND_SUBJECT_FIRST.match(sentence) or _LAND_SPEC_FIRST.match(sentence)
        if match is None:
            return None
        said = match["subject"]
        if not re.search(REF, said):
            if subject is None:
                return None
            said = subject  # "sie", "die Gruppe": the item named before
        subject = said[0].upper() + said[1:]
        if match["others"]:
            head = "Für alle anderen Länder gilt:"
        elif match["except"]:
            named = set(_land_codes(match["except"]))
            head = (
                "Für die Länder "
                + ", ".join(code for _key, code, _name in LAENDER if code not in named)
                + " gilt:"
            )
        else:
            head = f"Für die Länder {', '.join(_land_codes(match['list']))} gilt:"
        sections.append(f"{head} {subject} {match['verb']} {match['rest']}.")
    return " ".join(sections)


def _land_sections(match) -> str:
    """The inline wording of `_LAND_INLINE` as sections ("Für die Länder … gilt: …")."""
    first = f"{match['subject']} {match['verb']} {match['state']}."
    state2 = match["state2"]
    if match["verb2"] == "wird":
        # "wird das Feld nicht angezeigt": "darf … nicht angezeigt werden".
        state2 = re.sub(r"(?:\s+werden)?$", " werden", state2)
        verb2 = "darf"
    else:
        verb2 = match["verb2"]
    second = f"{match['subject']} {verb2} {state2}."
    if match["except"]:
        # "für alle Länder außer RP und ST …; für RP und ST …".
        if not match["list2"] or _land_codes(match["list2"]) != _land_codes(match["list"]):
            raise RuleNotUnderstood("Die Ausnahme nennt andere Länder als die Regel.")
        others = f"Für alle anderen Länder gilt: {first}"
        return f"Für die Länder {match['list']} gilt: {second} {others}"
    if match["list2"]:
        raise RuleNotUnderstood("Die Regel nennt zweimal Länder.")
    return f"Für die Länder {match['list']} gilt: {first} Für alle anderen Länder gilt: {second}"


def _land_codes(text: str) -> list[str]:
    """The Land codes of "NW, SL und SN", "Bremen und Rheinland-Pfalz", "für NI, RP"."""
    codes = []
    for part in re.split(r"\s*,\s*|\s+(?:und|sowie)\s+", text.strip()):
        part = re.sub(r"^(?:für\s+)", "", part.strip())
        code = part if part in _LAND_CODES else _LAND_NAMES.get(part.lower())
        code = code or _LAND_ALIASES.get(part)
        if code is None:
            raise RuleNotUnderstood(f"„{part}“ ist kein Land.")
        codes.append(code)
    return codes


def _in_land(land: str, codes: list[str]) -> dict:
    return {"field": land, "equals": codes[0]} if len(codes) == 1 else {"field": land, "in": codes}


def _closing_depth(text: str, position: int) -> int:
    """How many brackets are open at `position`."""
    return text[:position].count("(") - text[:position].count(")")


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


def _required_inside(items: list[dict]) -> bool:
    """Whether a field of these items is required whenever they are shown: directly, in a
    plain group, or in a repeated group that needs an entry (`repeat.min` ≥ 1)."""
    return any(
        item.get("required")
        if item["kind"] == "field"
        else item.get("repeat", {}).get("min", 1) >= 1 and _required_inside(item["items"])
        for item in items
    )


def _title(item: dict) -> str:
    return item.get("label") or item.get("title") or item.get("id", "")


def _fields(items: list[dict]):
    for item in items:
        if item["kind"] == "group":
            yield from _fields(item["items"])
        else:
            yield item
