"""The studio's Django forms: each edits one part of a definition (ADR 0024). They turn
the JSON into initial values and back; a property the form shows unchanged keeps its JSON
value exactly (type and all), so opening and saving changes nothing (round trip)."""

from __future__ import annotations

import json
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from openkommune.core.forms import KernFormMixin
from openkommune.studio import editing

TYPE_LABELS = {
    "text": _("Text (eine Zeile)"),
    "textarea": _("Text (mehrere Zeilen)"),
    "integer": _("Ganze Zahl"),
    "decimal": _("Zahl mit Nachkommastellen"),
    "money": _("Geldbetrag in Euro"),
    "date": _("Datum"),
    "boolean": _("Ja/Nein"),
    "choice": _("Auswahl (eine Antwort)"),
    "multichoice": _("Auswahl (mehrere Antworten)"),
    "email": _("E-Mail-Adresse"),
    "phone": _("Telefonnummer"),
    "iban": _("IBAN"),
    "address": _("Anschrift"),
    "file": _("Datei hochladen"),
    "info": _("Hinweistext (keine Eingabe)"),
}
ACCEPT_CHOICES = [
    ("application/pdf", _("PDF")),
    ("image/jpeg", _("JPEG-Bild")),
    ("image/png", _("PNG-Bild")),
    ("image/tiff", _("TIFF-Bild")),
    ("text/plain", _("Textdatei")),
]
OPERATORS = [
    ("", _("– keine –")),
    ("gleich", _("ist gleich")),
    ("ungleich", _("ist nicht gleich")),
    ("einer_von", _("ist einer von (durch Komma getrennt)")),
    ("zwischen", _("ist ein Code von … bis … (z. B. 200000–299999)")),
    ("ausgefuellt", _("ist ausgefüllt")),
    ("leer", _("ist leer")),
]
CONDITION_ROWS = 4
_NUMERIC = {"integer", "decimal", "money"}


def _text(value) -> str:
    """How a JSON value appears in an input."""
    if value is None:
        return ""
    if value is True:
        return "ja"
    if value is False:
        return "nein"
    return str(value)


def _typed(text: str, field_type: str | None):
    """A condition value typed like the field it compares (boolean, number or text)."""
    if field_type == "boolean" and text.lower() in {"ja", "nein", "true", "false"}:
        return text.lower() in {"ja", "true"}
    if field_type in _NUMERIC:
        try:
            return int(text)
        except ValueError:
            try:
                return float(text.replace(",", "."))
            except ValueError:
                return text
    return text


def condition_rows(condition, types: dict[str, str], any_entry=frozenset()):
    """(combinator, [(field, operator, value)]) of a condition the rows can show exactly,
    else None (then it is edited as JSON)."""
    if not condition:
        return "all", []
    combinator, parts = "all", [condition]
    if "all" in condition or "any" in condition:
        combinator = "all" if "all" in condition else "any"
        parts = condition[combinator]
    rows = []
    for part in parts:
        negated = "not" in part
        clause = part["not"] if negated else part
        if not isinstance(clause, dict) or "field" not in clause:
            return None
        if negated and "equals" not in clause:
            return None
        if "equals" in clause:
            rows.append(
                (clause["field"], "ungleich" if negated else "gleich", _text(clause["equals"]))
            )
        elif "in" in clause:
            rows.append((clause["field"], "einer_von", ", ".join(_text(v) for v in clause["in"])))
        elif "between" in clause:
            rows.append((clause["field"], "zwischen", "{}–{}".format(*clause["between"])))
        elif "filled" in clause:
            rows.append((clause["field"], "ausgefuellt" if clause["filled"] else "leer", ""))
        else:
            return None
    if (
        len(rows) > CONDITION_ROWS
        or rows_condition(combinator, rows, types, any_entry) != condition
    ):
        return None
    return combinator, rows


def code_bounds(text: str) -> list[int] | None:
    """The two whole numbers of a "zwischen" row ("200000-299999" with a hyphen or an en
    dash, "200000 bis 299999"), the first not above the second; None otherwise."""
    found = re.fullmatch(r"\s*([0-9]{1,15})\s*(?:[-–]|bis)\s*([0-9]{1,15})\s*", text)
    if found is None or int(found[1]) > int(found[2]):
        return None
    return [int(found[1]), int(found[2])]


def rows_condition(combinator: str, rows, types: dict[str, str], any_entry=frozenset()):
    """The condition of the rows (None without rows). A field in `any_entry` lies in a
    repeated group outside the item: its comparison holds for any entry (`any_entry`)."""
    parts = []
    for field_id, operator, value in rows:
        field_type = types.get(field_id)
        if operator in ("gleich", "ungleich"):
            clause = {"field": field_id, "equals": _typed(value, field_type)}
        elif operator == "einer_von":
            values = [_typed(v.strip(), field_type) for v in value.split(",") if v.strip()]
            clause = {"field": field_id, "in": values}
        elif operator == "zwischen" and (bounds := code_bounds(value)):
            clause = {"field": field_id, "between": bounds}
        elif operator in ("ausgefuellt", "leer"):
            clause = {"field": field_id, "filled": operator == "ausgefuellt"}
        else:
            continue
        if field_id in any_entry:
            clause["any_entry"] = True
        parts.append({"not": clause} if operator == "ungleich" else clause)
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return {combinator: parts}


# The condition blocks of the studio's forms: prefix of their inputs, the JSON key they edit.
VISIBLE_IF = ("bed", "visible_if")
REQUIRED_IF = ("pfl", "required_if")


class StudioForm(KernFormMixin, forms.Form):
    """A form over one part of a definition, with the condition inputs when
    `condition_fields` (the places of fields it may name) is given. `owner_repeats`: the
    repeated groups around the item (for a new item: around and including its parent);
    a condition naming a field of another repeated group holds for any of its entries."""

    condition_blocks = (VISIBLE_IF,)

    def __init__(
        self,
        *args,
        definition: dict,
        original: dict | None = None,
        condition_fields=None,
        owner_repeats: tuple[str, ...] | None = None,
        **kwargs,
    ):
        self.definition = definition
        self.original = original or {}
        self.types = {}
        self.repeats: dict[str, tuple[str, ...]] = {}
        for place in editing.places(definition):
            self.types[place.item["id"]] = place.item.get("type")
            self.repeats[place.item["id"]] = tuple(g["id"] for g in place.groups if "repeat" in g)
        if owner_repeats is None:
            owner_repeats = self.repeats.get(self.original.get("id", ""), ())
        self.any_entry = frozenset(
            field_id
            for field_id, repeats in self.repeats.items()
            if repeats and repeats != owner_repeats[: len(repeats)]
        )
        super().__init__(*args, **kwargs)
        self.has_condition = condition_fields is not None
        self.condition_as_json: dict[str, bool] = {}
        self._row_names: dict[str, list] = {}
        if self.has_condition:
            for prefix, key in self.condition_blocks:
                self._add_condition_fields(condition_fields, prefix, key)

    def _add_condition_fields(self, condition_fields, prefix: str, key: str) -> None:
        condition = self.original.get(key)
        named = set(editing.condition_field_ids(condition))
        choices = [("", _("– Feld wählen –"))]
        offered = set()
        for place in condition_fields:
            label = f"{place.step['title']}: {place.item['label']}"
            if place.item["id"] in self.any_entry:
                label += " " + str(_("(irgendein Eintrag)"))
            choices.append((place.item["id"], label))
            offered.add(place.item["id"])
        choices += [(field_id, field_id) for field_id in sorted(named - offered)]
        rows = condition_rows(condition, self.types, self.any_entry)
        self.condition_as_json[prefix] = rows is None
        combinator, row_values = rows or ("all", [])
        required_block = key == "required_if"
        self.fields[f"{prefix}_art"] = forms.ChoiceField(
            label=_("Pflicht-Bedingungen verknüpfen mit")
            if required_block
            else _("Mehrere Bedingungen verknüpfen mit"),
            choices=[("all", _("UND: alle müssen zutreffen")), ("any", _("ODER: eine genügt"))],
            widget=forms.RadioSelect,
            initial=combinator,
            required=False,
        )
        for number in range(1, CONDITION_ROWS + 1):
            field_id, operator, value = (
                row_values[number - 1] if number <= len(row_values) else ("", "", "")
            )
            names = {"n": number}
            self.fields[f"{prefix}_{number}_feld"] = forms.ChoiceField(
                label=(
                    _("Pflicht-Bedingung %(n)d: Feld")
                    if required_block
                    else _("Bedingung %(n)d: Feld")
                )
                % names,
                choices=choices,
                required=False,
                initial=field_id,
            )
            self.fields[f"{prefix}_{number}_op"] = forms.ChoiceField(
                label=(
                    _("Pflicht-Bedingung %(n)d: Vergleich")
                    if required_block
                    else _("Bedingung %(n)d: Vergleich")
                )
                % names,
                choices=OPERATORS,
                required=False,
                initial=operator,
            )
            self.fields[f"{prefix}_{number}_wert"] = forms.CharField(
                label=(
                    _("Pflicht-Bedingung %(n)d: Wert")
                    if required_block
                    else _("Bedingung %(n)d: Wert")
                )
                % names,
                required=False,
                initial=value,
                max_length=500,
                help_text=_(
                    "Bei Auswahlfeldern der Code, bei Ja/Nein-Feldern „ja“ oder „nein“, bei "
                    "„Code von … bis …“ zwei Zahlen wie 200000–299999."
                ),
            )
        self.fields[f"{prefix}_json"] = forms.CharField(
            label=_("Pflicht-Bedingung als JSON (für verschachtelte Bedingungen)")
            if required_block
            else _("Bedingung als JSON (für verschachtelte Bedingungen)"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 4}),
            initial=json.dumps(condition, ensure_ascii=False) if rows is None else "",
            help_text=_(
                "Wenn ausgefüllt, gilt diese Bedingung statt der Zeilen oben, zum Beispiel "
                '{"any": [{"field": "anlass", "equals": "an"}, '
                '{"not": {"field": "x", "filled": true}}]}.'
            ),
        )
        self._row_names[prefix] = [
            (f"{prefix}_{n}_feld", f"{prefix}_{n}_op", f"{prefix}_{n}_wert")
            for n in range(1, CONDITION_ROWS + 1)
        ]
        for name in self.fields:
            if name.startswith(prefix + "_"):
                self.kern_field(name)

    def condition_bound_fields(self, prefix: str = "bed"):
        return [self[name] for name in self.fields if name.startswith(prefix + "_")]

    def required_bound_fields(self):
        return self.condition_bound_fields("pfl")

    @property
    def has_required_if(self) -> bool:
        return self.has_condition and REQUIRED_IF in self.condition_blocks

    @property
    def visible_if_as_json(self) -> bool:
        return self.condition_as_json.get("bed", False)

    @property
    def required_if_as_json(self) -> bool:
        return self.condition_as_json.get("pfl", False)

    def own_bound_fields(self):
        return [
            self[name]
            for name in self.fields
            if not name.startswith("bed_") and not name.startswith("pfl_")
        ]

    def clean(self):
        cleaned = super().clean()
        if not self.has_condition:
            return cleaned
        for prefix, key in self.condition_blocks:
            cleaned[key] = self._clean_condition(cleaned, prefix)
        return cleaned

    def _clean_condition(self, cleaned: dict, prefix: str):
        raw = (cleaned.get(f"{prefix}_json") or "").strip()
        if raw:
            try:
                condition = json.loads(raw)
            except json.JSONDecodeError:
                self.add_error(f"{prefix}_json", _("Die Bedingung ist kein gültiges JSON."))
                return None
            if not isinstance(condition, dict):
                self.add_error(f"{prefix}_json", _("Die Bedingung muss ein JSON-Objekt sein."))
                return None
            return condition
        rows = []
        for field_name, op_name, value_name in self._row_names[prefix]:
            field_id, operator = cleaned.get(field_name), cleaned.get(op_name)
            value = (cleaned.get(value_name) or "").strip()
            if not field_id and not operator:
                continue
            if not field_id or not operator:
                self.add_error(
                    field_name if not field_id else op_name,
                    _("Bitte wählen Sie Feld und Vergleich oder lassen Sie beide leer."),
                )
                continue
            if operator in ("gleich", "ungleich", "einer_von") and not value:
                self.add_error(value_name, _("Bitte geben Sie den Wert für den Vergleich an."))
                continue
            if operator == "zwischen" and code_bounds(value) is None:
                self.add_error(
                    value_name,
                    _(
                        "Bitte geben Sie zwei ganze Zahlen an, die erste nicht größer als die "
                        "zweite, zum Beispiel 200000–299999."
                    ),
                )
                continue
            rows.append((field_id, operator, value))
        return rows_condition(
            cleaned.get(f"{prefix}_art") or "all", rows, self.types, self.any_entry
        )

    # Building the JSON back: unchanged inputs keep the original value exactly.
    def _keep_or_set(self, result: dict, key: str, value, *, shown=None) -> None:
        original = self.original.get(key)
        if key in self.original and (shown if shown is not None else _text(value)) == _text(
            original
        ):
            result[key] = original
        elif (value in (None, "", [], False) and key not in self.original) or value in (
            None,
            "",
            [],
        ):
            result.pop(key, None)
        else:
            result[key] = value

    def _apply_condition(self, result: dict) -> None:
        for _prefix, key in self.condition_blocks:
            condition = self.cleaned_data.get(key)
            if condition == self.original.get(key):
                if key in self.original:
                    result[key] = self.original[key]
                continue
            if condition:
                result[key] = condition
            else:
                result.pop(key, None)


def _id_field(required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=_("Kennung"),
        required=required,
        max_length=63,
        help_text=_(
            "Kleinbuchstaben, Ziffern und _, beginnt mit einem Buchstaben; leer lassen: aus der "
            "Bezeichnung gebildet. Sie lässt sich später nicht mehr ändern (Bedingungen und "
            "Daten nennen sie)."
        ),
    )


def _clean_id(value: str) -> str:
    value = value.strip()
    if value and value != editing.slug(value, max_length=63):
        raise ValidationError(
            _(
                "Die Kennung darf nur Kleinbuchstaben, Ziffern und _ enthalten und muss mit "
                "einem Buchstaben beginnen."
            )
        )
    return value


class StepForm(StudioForm):
    title = forms.CharField(label=_("Überschrift des Schritts"), max_length=500)
    help = forms.CharField(
        label=_("Erklärung unter der Überschrift"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.original:
            self.initial.update(
                {"title": self.original.get("title"), "help": self.original.get("help", "")}
            )

    def step(self) -> dict:
        result = dict(self.original)
        self._keep_or_set(result, "title", self.cleaned_data["title"].strip())
        self._keep_or_set(result, "help", self.cleaned_data["help"].strip())
        self._apply_condition(result)
        return result


class GroupForm(StudioForm):
    title = forms.CharField(label=_("Überschrift der Gruppe"), max_length=500)
    help = forms.CharField(
        label=_("Erklärung"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    repeated = forms.BooleanField(
        label=_("Wiederholbar: die Antragstellerin kann mehrere Einträge angeben"), required=False
    )
    repeat_min = forms.IntegerField(
        label=_("Mindestens Einträge"), required=False, min_value=0, max_value=100
    )
    repeat_max = forms.IntegerField(
        label=_("Höchstens Einträge"), required=False, min_value=1, max_value=100
    )
    item_label = forms.CharField(
        label=_("Bezeichnung eines Eintrags"),
        required=False,
        max_length=500,
        help_text=_("Zum Beispiel „Hund“: „Weiteren Eintrag „Hund“ hinzufügen“."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        repeat = self.original.get("repeat")
        if self.original:
            self.initial.update(
                {
                    "title": self.original.get("title"),
                    "help": self.original.get("help", ""),
                    "repeated": repeat is not None,
                    "repeat_min": repeat["min"] if repeat else None,
                    "repeat_max": repeat["max"] if repeat else None,
                    "item_label": (repeat or {}).get("item_label", ""),
                }
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("repeated"):
            low, high = cleaned.get("repeat_min"), cleaned.get("repeat_max")
            if low is None:
                self.add_error(
                    "repeat_min", _("Bitte geben Sie an, wie viele Einträge mindestens nötig sind.")
                )
            if high is None:
                self.add_error(
                    "repeat_max",
                    _("Bitte geben Sie an, wie viele Einträge höchstens möglich sind."),
                )
            if low is not None and high is not None and low > high:
                self.add_error(
                    "repeat_max", _("Höchstens muss mindestens so groß sein wie Mindestens.")
                )
        return cleaned

    def group(self) -> dict:
        data = self.cleaned_data
        result = {"kind": "group", **self.original}
        self._keep_or_set(result, "title", data["title"].strip())
        self._keep_or_set(result, "help", data["help"].strip())
        if data["repeated"]:
            repeat = {"min": data["repeat_min"], "max": data["repeat_max"]}
            if data["item_label"].strip():
                repeat["item_label"] = data["item_label"].strip()
            old = self.original.get("repeat")
            result["repeat"] = old if old == repeat else repeat
        else:
            result.pop("repeat", None)
        self._apply_condition(result)
        return result


class FieldForm(StudioForm):
    condition_blocks = (VISIBLE_IF, REQUIRED_IF)

    label = forms.CharField(label=_("Frage oder Bezeichnung"), max_length=500)
    type = forms.ChoiceField(label=_("Art des Felds"), choices=list(TYPE_LABELS.items()))
    help = forms.CharField(
        label=_("Hilfetext (unter der Bezeichnung)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    required = forms.BooleanField(
        label=_("Pflichtfeld (mit einer Bedingung: Pflicht, wenn das Feld angezeigt wird)"),
        required=False,
    )
    must_be_true = forms.BooleanField(
        label=_("Erklärung, die bestätigt werden muss (nur Ja/Nein-Felder)"), required=False
    )
    min_length = forms.IntegerField(label=_("Mindestlänge (Zeichen)"), required=False, min_value=0)
    max_length = forms.IntegerField(
        label=_("Höchstlänge (Zeichen)"), required=False, min_value=1, max_value=100000
    )
    pattern = forms.CharField(
        label=_("Muster (regulärer Ausdruck)"),
        required=False,
        max_length=500,
        help_text=_("Der ganze Wert muss passen, zum Beispiel [0-9]{5} für eine Postleitzahl."),
    )
    pattern_message = forms.CharField(
        label=_("Fehlermeldung, wenn das Muster nicht passt"), required=False, max_length=500
    )
    min = forms.CharField(
        label=_("Kleinster Wert"),
        required=False,
        max_length=50,
        help_text=_(
            "Zahlen mit Punkt (12.5); Datum als JJJJ-MM-TT, „today“, „today+30“ oder „today-6570“."
        ),
    )
    max = forms.CharField(label=_("Größter Wert"), required=False, max_length=50)
    decimal_places = forms.IntegerField(
        label=_("Nachkommastellen"), required=False, min_value=0, max_value=6
    )
    widget = forms.ChoiceField(
        label=_("Darstellung der Auswahl"),
        required=False,
        choices=[
            ("", _("automatisch")),
            ("radio", _("Optionsfelder")),
            ("select", _("Auswahlliste")),
            ("checkboxes", _("Kontrollkästchen")),
        ],
    )
    choices = forms.ChoiceField(label=_("Auswahlliste (Codeliste)"), required=False)
    choice_entries = forms.CharField(
        label=_("Einträge der Auswahlliste"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Ein Eintrag je Zeile: Code | Bezeichnung, zum Beispiel „an | Anmeldung“. Ändert die "
            "Liste für alle Felder, die sie nutzen. Ohne gewählte Liste entsteht eine neue."
        ),
    )
    accept = forms.MultipleChoiceField(
        label=_("Erlaubte Dateiarten"),
        required=False,
        choices=ACCEPT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    max_size = forms.IntegerField(
        label=_("Höchste Dateigröße in Byte"), required=False, min_value=1, max_value=52428800
    )
    autocomplete = forms.CharField(
        label=_("Autovervollständigung (HTML-Wert)"),
        required=False,
        max_length=50,
        help_text=_("Zum Beispiel given-name, family-name, email, tel."),
    )

    TEXT_KEYS = ("help", "pattern", "pattern_message", "autocomplete", "widget")
    NUMBER_KEYS = ("min_length", "max_length", "decimal_places", "max_size")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lists = self.definition.get("code_lists", {})
        self.fields["choices"].choices = [("", _("– neue Liste –"))] + [
            (key, f"{value['title']} ({key})") for key, value in lists.items()
        ]
        original = self.original
        if original:
            initial = {key: original.get(key, "") for key in ("label", "type", *self.TEXT_KEYS)}
            initial.update({key: original.get(key) for key in self.NUMBER_KEYS})
            initial.update(
                {
                    "required": bool(original.get("required")),
                    "must_be_true": bool(original.get("must_be_true")),
                    "min": _text(original.get("min")),
                    "max": _text(original.get("max")),
                    "choices": original.get("choices", ""),
                    "accept": original.get("accept", []),
                }
            )
            code_list = lists.get(original.get("choices", ""))
            if code_list:
                initial["choice_entries"] = "\n".join(
                    f"{entry['code']} | {entry['label']}" for entry in code_list["entries"]
                )
            self.initial.update(initial)

    def clean_choice_entries(self) -> list[dict] | None:
        text = self.cleaned_data["choice_entries"].strip()
        if not text:
            return None
        entries, codes = [], set()
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            code, separator, label = line.partition("|")
            code, label = code.strip(), label.strip()
            if not separator or not code or not label:
                raise ValidationError(
                    _("Zeile %(n)d: Bitte schreiben Sie „Code | Bezeichnung“.") % {"n": number}
                )
            if code in codes:
                raise ValidationError(
                    _("Zeile %(n)d: Der Code „%(code)s“ steht doppelt.")
                    % {"n": number, "code": code}
                )
            codes.add(code)
            entries.append({"code": code, "label": label})
        return entries

    def _number(self, text: str, field_type: str):
        text = text.strip()
        if not text or field_type == "date":
            return text
        try:
            return int(text)
        except ValueError:
            try:
                return float(text.replace(",", "."))
            except ValueError:
                return text  # the engine names the problem

    def field(self, item_id: str) -> tuple[dict, tuple | None]:
        """The field's JSON, and (code list key, entries) when its list is to be written."""
        data = self.cleaned_data
        result = {"kind": "field", **self.original}
        result["label"] = data["label"].strip()
        if result["label"] == self.original.get("label", "").strip():
            result["label"] = self.original.get("label", result["label"])
        result["type"] = data["type"]
        for key in self.TEXT_KEYS:
            self._keep_or_set(result, key, (data[key] or "").strip())
        for key in self.NUMBER_KEYS:
            self._keep_or_set(result, key, data[key])
        for key in ("required", "must_be_true"):
            self._keep_or_set(result, key, data[key])
        for key in ("min", "max"):
            self._keep_or_set(
                result, key, self._number(data[key], data["type"]), shown=data[key].strip()
            )
        accept = data["accept"]
        if set(accept) == set(self.original.get("accept", [])) and "accept" in self.original:
            result["accept"] = self.original["accept"]
        else:
            self._keep_or_set(result, "accept", list(accept))
        code_list = None
        if data["type"] in ("choice", "multichoice"):
            key = data["choices"] or self.original.get("choices") or item_id
            entries = data["choice_entries"]
            old = self.definition.get("code_lists", {}).get(key)
            if entries is not None and (old is None or old["entries"] != entries):
                code_list = (key, entries)
            elif old is None:
                self.add_error(
                    "choice_entries",
                    _("Bitte wählen Sie eine Auswahlliste oder geben Sie Einträge an."),
                )
            result["choices"] = key
        else:
            result.pop("choices", None)
        self._apply_condition(result)
        return result, code_list


class NewItemMixin(forms.Form):
    """Creating an item: its id (else from the label)."""

    item_id = _id_field()

    def clean_item_id(self) -> str:
        return _clean_id(self.cleaned_data["item_id"])


class NewFieldForm(NewItemMixin, FieldForm):
    pass


class NewGroupForm(NewItemMixin, GroupForm):
    first_label = forms.CharField(label=_("Erstes Feld der Gruppe: Bezeichnung"), max_length=500)
    first_type = forms.ChoiceField(
        label=_("Erstes Feld der Gruppe: Art"),
        choices=[(k, v) for k, v in TYPE_LABELS.items() if k not in ("choice", "multichoice")],
    )


class NewStepForm(NewItemMixin, StepForm):
    first_label = forms.CharField(label=_("Erstes Feld des Schritts: Bezeichnung"), max_length=500)
    first_type = forms.ChoiceField(
        label=_("Erstes Feld des Schritts: Art"),
        choices=[(k, v) for k, v in TYPE_LABELS.items() if k not in ("choice", "multichoice")],
    )


APPLICANT_ROLE_TYPES = {
    "given_name": ("text",),
    "family_name": ("text",),
    "name": ("text",),
    "organisation": ("text",),
    "address": ("address",),
    "email": ("email",),
    "phone": ("phone",),
    "birth_date": ("date",),
    "birth_place": ("text",),
}
APPLICANT_ROLE_LABELS = {
    "given_name": _("Vorname der Antragstellerin"),
    "family_name": _("Familienname der Antragstellerin"),
    "name": _("Name in einem Feld"),
    "organisation": _("Organisation oder Firma"),
    "address": _("Anschrift"),
    "email": _("E-Mail-Adresse (für Bestätigung und Bescheid)"),
    "phone": _("Telefonnummer"),
    "birth_date": _("Geburtsdatum der Antragstellerin"),
    "birth_place": _("Geburtsort der Antragstellerin"),
}


class FormSettingsForm(StudioForm):
    """The form's own properties and the applicant marker."""

    title = forms.CharField(label=_("Titel des Formulars"), max_length=500)
    intro = forms.CharField(
        label=_("Einleitung auf der ersten Seite"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    leika_keys = forms.CharField(
        label=_("LeiKa-Schlüssel"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Ein Schlüssel je Zeile, 14 Ziffern, beginnt mit 99."),
    )
    reference = forms.CharField(
        label=_("Rechtsgrundlage oder Vorlage"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    rules = forms.CharField(
        label=_("Prüfregeln über mehrere Felder (JSON)"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_(
            "Eine JSON-Liste, zum Beispiel aus dem FIM-Import: „mindestens eines von“, "
            "Datumsvergleiche, erlaubte Codes. Leer lassen für keine Regeln. Beim Speichern "
            "wird jede Regel gegen das Formular geprüft."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        definition = self.definition
        outside_repeats = [
            place
            for place in editing.places(definition)
            if place.item.get("kind") == "field" and not any(g.get("repeat") for g in place.groups)
        ]
        applicant = definition.get("applicant", {})
        for role, types in APPLICANT_ROLE_TYPES.items():
            self.fields[f"role_{role}"] = forms.ChoiceField(
                label=APPLICANT_ROLE_LABELS[role],
                required=False,
                choices=[("", _("– kein Feld –"))]
                + [
                    (p.item["id"], f"{p.step['title']}: {p.item['label']}")
                    for p in outside_repeats
                    if p.item.get("type") in types
                ],
                initial=applicant.get(role, ""),
            )
            self.kern_field(f"role_{role}")
        self.initial.update(
            {
                "title": definition.get("title", ""),
                "intro": definition.get("intro", ""),
                "leika_keys": "\n".join(definition.get("leika_keys", [])),
                "reference": definition.get("source", {}).get("reference", ""),
                "rules": json.dumps(definition["rules"], ensure_ascii=False, indent=1)
                if definition.get("rules")
                else "",
            }
        )

    def clean_rules(self) -> list:
        raw = (self.cleaned_data["rules"] or "").strip()
        if not raw:
            return []
        try:
            rules = json.loads(raw)
        except json.JSONDecodeError:
            raise forms.ValidationError(_("Die Regeln sind kein gültiges JSON.")) from None
        if not isinstance(rules, list) or not all(isinstance(rule, dict) for rule in rules):
            raise forms.ValidationError(
                _("Die Regeln müssen eine JSON-Liste von Objekten sein, zum Beispiel [{…}].")
            )
        return rules

    def clean_leika_keys(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["leika_keys"].splitlines() if line.strip()
        ]

    def apply(self) -> dict:
        data = self.cleaned_data
        result = dict(self.definition)
        self.original = self.definition
        self._keep_or_set(result, "title", data["title"].strip())
        self._keep_or_set(result, "intro", data["intro"].strip())
        if data["leika_keys"] != self.definition.get("leika_keys"):
            result["leika_keys"] = data["leika_keys"]
        source = dict(self.definition.get("source", {"kind": "manual"}))
        reference = data["reference"].strip()
        if reference != source.get("reference", ""):
            if reference:
                source["reference"] = reference
            else:
                source.pop("reference", None)
            result["source"] = source
        if data["rules"] != self.definition.get("rules", []):
            if data["rules"]:
                result["rules"] = data["rules"]
            else:
                result.pop("rules", None)
        applicant = {
            role: data[f"role_{role}"] for role in APPLICANT_ROLE_TYPES if data[f"role_{role}"]
        }
        if applicant != self.definition.get("applicant", {}):
            if applicant:
                result["applicant"] = applicant
            else:
                result.pop("applicant", None)
        return result


class NewFormForm(KernFormMixin, forms.Form):
    key = forms.CharField(
        label=_("Schlüssel des Formulars"),
        max_length=63,
        help_text=_(
            "Kleinbuchstaben, Ziffern und _, zum Beispiel „hundesteuer“. Lässt sich nicht ändern."
        ),
    )
    title = forms.CharField(label=_("Titel des Formulars"), max_length=500)
    leika_keys = forms.CharField(
        label=_("LeiKa-Schlüssel"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Ein Schlüssel je Zeile, 14 Ziffern, beginnt mit 99."),
    )
    step_title = forms.CharField(label=_("Überschrift des ersten Schritts"), max_length=500)
    first_label = forms.CharField(label=_("Erstes Feld: Bezeichnung"), max_length=500)
    first_type = forms.ChoiceField(
        label=_("Erstes Feld: Art"),
        choices=[(k, v) for k, v in TYPE_LABELS.items() if k not in ("choice", "multichoice")],
    )

    def clean_key(self) -> str:
        key = self.cleaned_data["key"].strip()
        if not key or key != editing.slug(key, max_length=63):
            raise ValidationError(
                _(
                    "Der Schlüssel darf nur Kleinbuchstaben, Ziffern und _ enthalten und muss mit "
                    "einem Buchstaben beginnen."
                )
            )
        return key

    def clean_leika_keys(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["leika_keys"].splitlines() if line.strip()
        ]


CODE_LIST_UPLOAD_MAX_BYTES = 5 * 1024 * 1024


class CodeListUploadForm(KernFormMixin, forms.Form):
    """Upload of a genericode code list into the library (docs/forms.md "Code list
    library")."""

    datei = forms.FileField(
        label=_("Codeliste (genericode 1.0, XML)"),
        help_text=_(
            "Wie XRepository sie veröffentlicht. Höchstens 5 MB. Dieselbe Version noch einmal "
            "hochzuladen ändert nichts."
        ),
    )

    def clean_datei(self):
        upload = self.cleaned_data["datei"]
        if upload.size > CODE_LIST_UPLOAD_MAX_BYTES:
            raise ValidationError(_("Die Datei ist größer als 5 MB."))
        return upload


class LibraryCodeListForm(KernFormMixin, forms.Form):
    """A field chooses a version of the library's code lists (its entries are copied into
    the form version)."""

    version = forms.ChoiceField(label=_("Codeliste und Version"))
    field_type = forms.ChoiceField(
        label=_("Art der Auswahl"),
        choices=[
            ("choice", _("Auswahl (eine Antwort)")),
            ("multichoice", _("Auswahl (mehrere Antworten)")),
        ],
    )
    widget = forms.ChoiceField(
        label=_("Darstellung"),
        required=False,
        choices=[
            ("", _("automatisch (bis 6 Einträge Optionsfelder, sonst Auswahlliste)")),
            ("radio", _("Optionsfelder")),
            ("select", _("Auswahlliste")),
        ],
    )

    def __init__(self, *args, versions, field: dict, definition: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.versions = {str(version.public_id): version for version in versions}
        self.fields["version"].choices = [("", _("– bitte wählen –"))] + [
            (
                key,
                _("%(title)s, Version %(version)s (%(uri)s, %(n)d Einträge)")
                % {
                    "title": version.code_list.title,
                    "version": version.version,
                    "uri": version.code_list.uri,
                    "n": len(version.entries),
                },
            )
            for key, version in self.versions.items()
        ]
        current = definition.get("code_lists", {}).get(field.get("choices", ""), {})
        for key, version in self.versions.items():
            if (version.code_list.uri, version.version) == (
                current.get("uri"),
                current.get("version"),
            ):
                self.initial.setdefault("version", key)
        self.initial.setdefault(
            "field_type", field["type"] if field.get("type") == "multichoice" else "choice"
        )
        self.initial.setdefault("widget", field.get("widget", ""))

    def clean_version(self):
        return self.versions[self.cleaned_data["version"]]

    def clean(self):
        data = super().clean()
        if data.get("field_type") == "multichoice" and data.get("widget"):
            self.add_error(
                "widget", _("Eine Auswahl mit mehreren Antworten zeigt immer Kontrollkästchen.")
            )
        return data


FIM_UPLOAD_MAX_BYTES = 5 * 1024 * 1024


class FimUploadForm(KernFormMixin, forms.Form):
    """Upload of a FIM Stammdatenschema (docs/forms.md "FIM in the studio")."""

    datei = forms.FileField(
        label=_("Stammdatenschema (XML, XDatenfelder 1.0, 2.0 oder 3.0)"),
        help_text=_("Höchstens 5 MB."),
    )
    leika_keys = forms.CharField(
        label=_("LeiKa-Schlüssel"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Ein Schlüssel je Zeile, 14 Ziffern, beginnt mit 99. Leer lassen, wenn das Schema "
            "den Schlüssel nennt."
        ),
    )
    key = forms.CharField(
        label=_("Schlüssel des Formulars"),
        required=False,
        max_length=63,
        help_text=_("Leer lassen für einen Schlüssel aus dem Namen des Schemas."),
    )

    def clean_datei(self):
        upload = self.cleaned_data["datei"]
        if upload.size > FIM_UPLOAD_MAX_BYTES:
            raise ValidationError(_("Die Datei ist größer als 5 MB."))
        return upload

    def clean_leika_keys(self) -> list[str]:
        keys = [
            line.strip() for line in self.cleaned_data["leika_keys"].splitlines() if line.strip()
        ]
        for key in keys:
            if not re.fullmatch(r"99[0-9]{12}", key):
                raise ValidationError(
                    _("„%(key)s“ ist kein LeiKa-Schlüssel (14 Ziffern, beginnt mit 99).")
                    % {"key": key}
                )
        return keys

    def clean_key(self) -> str:
        key = self.cleaned_data["key"].strip()
        if key and key != editing.slug(key, max_length=63):
            raise ValidationError(
                _(
                    "Der Schlüssel darf nur Kleinbuchstaben, Ziffern und _ enthalten und muss mit "
                    "einem Buchstaben beginnen."
                )
            )
        return key


EXCHANGE_UPLOAD_MAX_BYTES = 10 * 1024 * 1024


class FormImportForm(KernFormMixin, forms.Form):
    """Upload of a form exported by another installation (docs/forms.md "Sharing forms")."""

    datei = forms.FileField(
        label=_("Exportiertes Formular (ZIP)"),
        help_text=_(
            "Eine Datei „….openkommune-formular.zip“ aus dem Formular-Studio; höchstens 10 MB."
        ),
    )
    key = forms.CharField(
        label=_("Schlüssel des Formulars"),
        required=False,
        max_length=63,
        help_text=_(
            "Leer lassen für den Schlüssel aus der Datei. Gibt es ihn hier schon, wählen Sie "
            "einen anderen."
        ),
    )

    def clean_datei(self):
        upload = self.cleaned_data["datei"]
        if upload.size > EXCHANGE_UPLOAD_MAX_BYTES:
            raise ValidationError(_("Die Datei ist größer als 10 MB."))
        return upload

    def clean_key(self) -> str:
        key = self.cleaned_data["key"].strip()
        if key and key != editing.slug(key, max_length=63):
            raise ValidationError(
                _(
                    "Der Schlüssel darf nur Kleinbuchstaben, Ziffern und _ enthalten und muss mit "
                    "einem Buchstaben beginnen."
                )
            )
        return key
