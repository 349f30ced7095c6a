"""The text every field value passes through (`_text`) and the error a cleaner raises for a
value it refuses (`_Invalid`). Shared by `fields` and `address`."""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _


class _Invalid(Exception):
    def __init__(self, message: str):
        self.message = message


def _text(raw, label: str, *, multiline: bool) -> str:
    if not isinstance(raw, str):
        raise _Invalid(_("„%(label)s“ muss ein Text sein.") % {"label": label})
    value = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Invalid(_("„%(label)s“ enthält ungültige Zeichen.") % {"label": label}) from None
    allowed = {"\n", "\t"} if multiline else set()
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
        if not multiline and "\n" in value:
            message = _("„%(label)s“ darf keinen Zeilenumbruch enthalten.")
        else:
            message = _("„%(label)s“ enthält unzulässige Steuerzeichen.")
        raise _Invalid(message % {"label": label})
    return value
