"""A check that text goes through gettext: inside `marked_translations()` every string
translated by gettext or ngettext (also lazily, and `{% translate %}` in templates) comes
back wrapped in ⟦…⟧. The platform has no message catalogue yet, so without this a string that skips
gettext looks exactly like one that uses it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.utils import translation

OPEN, CLOSE = "⟦", "⟧"


@contextmanager
def marked_translations() -> Iterator[None]:
    # Bind the real implementations first, so that they can be replaced.
    translation.gettext("")
    translation.ngettext("", "", 1)
    real_gettext, real_ngettext = translation._trans.gettext, translation._trans.ngettext
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            translation._trans, "gettext", lambda message: OPEN + real_gettext(message) + CLOSE
        )
        patch.setattr(
            translation._trans,
            "ngettext",
            lambda singular, plural, n: OPEN + real_ngettext(singular, plural, n) + CLOSE,
        )
        yield


def is_marked(text) -> bool:
    return str(text).startswith(OPEN) and str(text).endswith(CLOSE)
