"""Cleaning one field value: type coercion of raw strings and typed JSON values, and the
checks a field declares (lengths, pattern, ranges, checksums). Pure Python.

`clean_value` returns the typed value (str, int, Decimal, date, bool, list, dict) or
MISSING for an empty one, plus German errors keyed by sub-path ("" for the field itself,
"postcode" etc. for address parts). `to_json` turns a typed value into the data format of
docs/forms.md."""

from __future__ import annotations

import datetime
import re
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openkommune.core.formatting import format_date, format_money, format_number
from openkommune.forms.engine.address import (
    ADDRESS_REQUIRED,
    _clean_address,
    address_required_message,
)
from openkommune.forms.engine.conditions import MISSING
from openkommune.forms.engine.definition import CodeList, Field, resolve_date_bound
from openkommune.forms.engine.text import _Invalid, _text

DEFAULT_DECIMAL_PLACES = 6
# Limits for fields without `max_length`: no form needs more, and unbounded text would let
# one request fill the database.
DEFAULT_MAX_LENGTH = {"text": 1000, "textarea": 10000, "email": 254, "phone": 40}
MAX_INTEGER_DIGITS = 15
EMAIL_MAX_LENGTH = 254

_CANONICAL_NUMBER = re.compile(r"([+-]?)(\d+)(?:\.(\d+))?")
_GERMAN_NUMBER = re.compile(r"([+-]?)(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_PHONE = re.compile(r"[0-9 +/()\-]+")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_email_validator = EmailValidator()


def is_empty(raw) -> bool:
    """Nothing entered: None, blank text, or a list of those (a dict is never empty here:
    a wrong shape must give an error, not vanish)."""
    if raw is None or raw is MISSING:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, list):
        return all(is_empty(value) and not isinstance(value, list) for value in raw)
    return False


def canonical_decimal(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "+0") else text


def parse_number(raw, *, allow_grouping: bool = True) -> tuple[Decimal, int] | None:
    """A number written as `12.5` (the data format), `12,5` or `1.234,5` (German); returns
    (value, number of decimal places) or None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw), 0
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return None
        raw = repr(raw)
    if not isinstance(raw, str):
        return None
    text = raw.strip().replace("\u00a0", "").replace(" ", "")
    match = _CANONICAL_NUMBER.fullmatch(text)
    if match is None and allow_grouping:
        match = _GERMAN_NUMBER.fullmatch(text)
    if match is None:
        return None
    sign, whole, fraction = match.group(1), match.group(2).replace(".", ""), match.group(3) or ""
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS or len(fraction) > 20:
        return None
    return Decimal(f"{sign}{whole}.{fraction or '0'}"), len(fraction.rstrip("0"))


def _check_range(field: Field, value: Decimal, shown) -> None:
    label = field.label
    if field.min is not None and value < Decimal(str(field.min)):
        raise _Invalid(
            _("„%(label)s“ muss mindestens %(min)s sein.")
            % {"label": label, "min": shown(Decimal(str(field.min)))}
        )
    if field.max is not None and value > Decimal(str(field.max)):
        raise _Invalid(
            _("„%(label)s“ darf höchstens %(max)s sein.")
            % {"label": label, "max": shown(Decimal(str(field.max)))}
        )


def _clean_integer(field: Field, raw):
    label = field.label
    message = _("Bitte geben Sie bei „%(label)s“ eine ganze Zahl an.") % {"label": label}
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str):
        text = raw.strip().replace(" ", "").replace("\u00a0", "")
        digits = text.lstrip("+-").lstrip("0")
        if not re.fullmatch(r"[+-]?\d+", text) or len(digits) > MAX_INTEGER_DIGITS:
            raise _Invalid(message)
        raw = int(text)
    if isinstance(raw, bool) or not isinstance(raw, int) or abs(raw) >= 10**MAX_INTEGER_DIGITS:
        raise _Invalid(message)
    _check_range(field, Decimal(raw), lambda v: f"{v:f}")
    return raw


def _clean_decimal(field: Field, raw) -> Decimal:
    label = field.label
    parsed = parse_number(raw)
    if parsed is None:
        raise _Invalid(
            _("Bitte geben Sie bei „%(label)s“ eine Zahl an, zum Beispiel 12,5.") % {"label": label}
        )
    value, places = parsed
    allowed = DEFAULT_DECIMAL_PLACES if field.decimal_places is None else field.decimal_places
    if places > allowed:
        if allowed == 0:
            raise _Invalid(_("„%(label)s“ muss eine ganze Zahl sein.") % {"label": label})
        raise _Invalid(
            ngettext(
                "„%(label)s“ darf höchstens %(n)d Nachkommastelle haben.",
                "„%(label)s“ darf höchstens %(n)d Nachkommastellen haben.",
                allowed,
            )
            % {"label": label, "n": allowed}
        )
    _check_range(field, value, lambda shown: format_number(shown, grouping=False))
    return value


def _clean_money(field: Field, raw) -> Decimal:
    label = field.label
    if isinstance(raw, str):
        raw = re.sub(r"\s*(€|EUR|Euro)\s*$", "", raw.strip(), flags=re.IGNORECASE)
    parsed = parse_number(raw)
    if parsed is None:
        raise _Invalid(
            _("Bitte geben Sie bei „%(label)s“ einen Betrag in Euro an, zum Beispiel 12,50.")
            % {"label": label}
        )
    value, places = parsed
    if places > 2:
        raise _Invalid(
            _(
                "Bitte geben Sie den Betrag bei „%(label)s“ auf den Cent genau an (höchstens zwei "
                "Nachkommastellen)."
            )
            % {"label": label}
        )
    _check_range(field, value, format_money)
    return value.quantize(Decimal("0.01"))


def parse_date(raw) -> datetime.date | bool | None:
    """A date from `YYYY-MM-DD` or `TT.MM.JJJJ`: the date, None for another format, False
    for a well-formed date that does not exist (31.02.)."""
    if isinstance(raw, datetime.date) and not isinstance(raw, datetime.datetime):
        return raw
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _GERMAN_DATE.fullmatch(text):
        day, month, year = match.groups()
    else:
        return None
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return False


def _clean_date(field: Field, raw, today: datetime.date) -> datetime.date:
    label = field.label
    value = parse_date(raw)
    if value is None:
        raise _Invalid(
            _("Bitte geben Sie bei „%(label)s“ ein Datum im Format TT.MM.JJJJ an.")
            % {"label": label}
        )
    if value is False:
        raise _Invalid(_("Das Datum bei „%(label)s“ gibt es nicht.") % {"label": label})
    _check_date_bound(value, field.min, today, label, upper=False)
    _check_date_bound(value, field.max, today, label, upper=True)
    return value


def _check_date_bound(value, spec, today: datetime.date, label: str, *, upper: bool) -> None:
    """Refuse a date before the field's `min` (after its `max`, `upper`); `spec` is a date or
    one relative to today (`resolve_date_bound`), None for no bound."""
    if spec is None:
        return
    bound = resolve_date_bound(spec, today)
    if not (value > bound if upper else value < bound):
        return
    if spec == "today":
        message = (
            _("„%(label)s“ darf nicht in der Zukunft liegen.")
            if upper
            else _("„%(label)s“ darf nicht in der Vergangenheit liegen.")
        )
    else:
        message = (
            _("„%(label)s“ darf nicht nach dem %(date)s liegen.")
            if upper
            else _("„%(label)s“ darf nicht vor dem %(date)s liegen.")
        )
    raise _Invalid(message % {"label": label, "date": format_date(bound)})


def confirm_message(field: Field) -> str:
    """The error of a declaration (`must_be_true`) that was not confirmed."""
    return _("Bitte bestätigen Sie: „%(label)s“.") % {"label": field.label}


def _clean_boolean(field: Field, raw) -> bool:
    value = None
    if isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.strip().lower() in ("ja", "true"):
        value = True
    elif isinstance(raw, str) and raw.strip().lower() in ("nein", "false"):
        value = False
    if field.must_be_true and value is not True:
        # Only a confirmation answers a declaration; "Nein" must not reach a case file.
        raise _Invalid(confirm_message(field))
    if value is None:
        raise _Invalid(_("Bitte wählen Sie bei „%(label)s“ Ja oder Nein.") % {"label": field.label})
    return value


def _clean_choice(field: Field, raw, code_list: CodeList) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or raw.strip() not in code_list.codes:
        raise _Invalid(
            _("Bitte wählen Sie bei „%(label)s“ eine der angebotenen Antworten.")
            % {"label": field.label}
        )
    return raw.strip()


def _clean_multichoice(field: Field, raw, code_list: CodeList) -> list[str]:
    values = [raw] if isinstance(raw, str) else raw
    message = _("Bitte wählen Sie bei „%(label)s“ nur angebotene Antworten.") % {
        "label": field.label
    }
    if not isinstance(values, list):
        raise _Invalid(message)
    chosen = set()
    for value in values:
        if isinstance(value, str) and not value.strip():
            continue
        if not isinstance(value, str) or value.strip() not in code_list.codes:
            raise _Invalid(message)
        chosen.add(value.strip())
    if chosen and field.max is not None and len(chosen) > field.max:
        raise _Invalid(
            ngettext(
                "Bitte wählen Sie bei „%(label)s“ höchstens %(n)d Antwort.",
                "Bitte wählen Sie bei „%(label)s“ höchstens %(n)d Antworten.",
                int(field.max),
            )
            % {"label": field.label, "n": field.max}
        )
    if chosen and field.min is not None and len(chosen) < field.min:
        raise _Invalid(
            ngettext(
                "Bitte wählen Sie bei „%(label)s“ mindestens %(n)d Antwort.",
                "Bitte wählen Sie bei „%(label)s“ mindestens %(n)d Antworten.",
                int(field.min),
            )
            % {"label": field.label, "n": field.min}
        )
    # Code-list order, so that the same choice always gives the same data.
    return [code for code in code_list.codes if code in chosen]


def _clean_email(field: Field, raw) -> str:
    value = _text(raw, field.label, multiline=False)
    message = _(
        "Bitte geben Sie bei „%(label)s“ eine gültige E-Mail-Adresse an, zum Beispiel "
        "name@example.de."
    ) % {"label": field.label}
    if len(value) > EMAIL_MAX_LENGTH:
        raise _Invalid(message)
    try:
        _email_validator(value)
    except ValidationError:
        raise _Invalid(message) from None
    return _check_text(field, value)


def _clean_phone(field: Field, raw) -> str:
    value = " ".join(_text(raw, field.label, multiline=False).split())
    digits = sum(ch.isdigit() for ch in value)
    if not _PHONE.fullmatch(value) or not 6 <= digits <= 20 or "+" in value[1:]:
        raise _Invalid(
            _(
                "Bitte geben Sie bei „%(label)s“ eine Telefonnummer an: 6 bis 20 Ziffern, dazu "
                "nur Leerzeichen und + / - ( )."
            )
            % {"label": field.label}
        )
    # Checked on the normalised number, which is what the data holds.
    return _check_text(field, value)


def iban_checksum_ok(iban: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to 10..35, mod 97 = 1."""
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def _clean_iban(field: Field, raw) -> str:
    label = field.label
    if not isinstance(raw, str):
        raise _Invalid(_("„%(label)s“ muss ein Text sein.") % {"label": label})
    value = re.sub(r"[\s\u00a0]", "", raw).upper()
    if value.startswith("DE") and (len(value) != 22 or not value[2:].isdigit()):
        raise _Invalid(
            _("Eine deutsche IBAN bei „%(label)s“ hat 22 Zeichen: DE und 20 Ziffern.")
            % {"label": label}
        )
    if not _IBAN.fullmatch(value):
        raise _Invalid(
            _(
                "Bitte geben Sie bei „%(label)s“ eine IBAN an, zum Beispiel "
                "DE02 1203 0000 0000 2020 51."
            )
            % {"label": label}
        )
    if not iban_checksum_ok(value):
        raise _Invalid(
            _("Die IBAN bei „%(label)s“ ist nicht gültig. Bitte prüfen Sie die Zeichen.")
            % {"label": label}
        )
    return value


def _clean_file(field: Field, raw) -> str:
    try:
        if not isinstance(raw, str):
            raise ValueError
        return str(uuid.UUID(raw.strip()))
    except ValueError:
        raise _Invalid(
            _("Die Angabe bei „%(label)s“ ist keine gültige Kennung einer hochgeladenen Datei.")
            % {"label": field.label}
        ) from None


def required_errors(field: Field) -> dict[str, list[str]]:
    """The errors of a required field left empty, keyed by sub-path."""
    label = field.label
    if field.type == "address":
        return {part: [address_required_message(field, part)] for part in ADDRESS_REQUIRED}
    if field.must_be_true:
        return {"": [confirm_message(field)]}
    if field.type in ("choice", "boolean"):
        message = _("Bitte wählen Sie bei „%(label)s“ eine Antwort.")
    elif field.type == "multichoice":
        message = _("Bitte wählen Sie bei „%(label)s“ mindestens eine Antwort.")
    elif field.type == "file":
        message = _("Bitte laden Sie „%(label)s“ hoch.")
    else:
        message = _("Bitte geben Sie „%(label)s“ an.")
    return {"": [message % {"label": label}]}


def max_length(field: Field) -> int:
    if field.max_length is not None:
        return field.max_length
    return DEFAULT_MAX_LENGTH[field.type]


def _check_text(field: Field, value: str) -> str:
    """The `min_length`, `max_length` (or the type's default limit) and `pattern` a
    text-like field declares: text, textarea, email and phone alike."""
    label = field.label
    limit = max_length(field)
    if len(value) > limit:
        raise _Invalid(
            _("„%(label)s“ darf höchstens %(n)d Zeichen lang sein.") % {"label": label, "n": limit}
        )
    if field.min_length is not None and len(value) < field.min_length:
        raise _Invalid(
            _("„%(label)s“ muss mindestens %(n)d Zeichen lang sein.")
            % {"label": label, "n": field.min_length}
        )
    if field.pattern and not re.fullmatch(field.pattern, value):
        raise _Invalid(
            field.pattern_message
            or _("„%(label)s“ hat nicht das erwartete Format.") % {"label": label}
        )
    return value


def _clean_text(field: Field, raw) -> str:
    return _check_text(field, _text(raw, field.label, multiline=field.type == "textarea"))


# The typed value of a field from its raw value, by field type (date, choice and multichoice
# need more and are cleaned in `clean_value`).
_CLEANERS = {
    "text": _clean_text,
    "textarea": _clean_text,
    "email": _clean_email,
    "phone": _clean_phone,
    "integer": _clean_integer,
    "decimal": _clean_decimal,
    "money": _clean_money,
    "boolean": _clean_boolean,
    "iban": _clean_iban,
    "file": _clean_file,
}


def clean_value(
    field: Field, raw, *, code_list: CodeList | None, today: datetime.date
) -> tuple[object, dict[str, list[str]]]:
    """(typed value or MISSING, errors by sub-path) for one field's raw value."""
    if field.type == "address" and isinstance(raw, dict):
        return _clean_address(field, raw)
    if is_empty(raw):
        return MISSING, {}
    if field.type == "address":
        return _clean_address(field, raw)
    try:
        if field.type == "date":
            value = _clean_date(field, raw, today)
        elif field.type == "choice":
            value = _clean_choice(field, raw, code_list)
        elif field.type == "multichoice":
            value = _clean_multichoice(field, raw, code_list)
            if not value:
                return MISSING, {}
        else:  # the schema allows no type without a cleaner
            value = _CLEANERS[field.type](field, raw)
    except _Invalid as exc:
        return MISSING, {"": [exc.message]}
    return value, {}


def to_json(field: Field, value):
    """The data-format value (docs/forms.md) of a typed value."""
    if field.type == "money":
        return f"{abs(value) if value == 0 else value:f}"
    if field.type == "decimal":
        return canonical_decimal(value)
    if field.type == "date":
        return value.isoformat()
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value
