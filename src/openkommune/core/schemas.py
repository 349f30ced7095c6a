"""API schemas shared by every app. `openkommune.api.schemas` re-exports them; apps below the
api layer import from here, since import-linter forbids them to import `openkommune.api`."""

import datetime
import re
from typing import Annotated

from ninja import Schema
from pydantic import BeforeValidator


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    error: ErrorDetail


def _iso_date_only(value):
    # pydantic would also take a number ("0") as a Unix timestamp; our API takes ISO dates only.
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    if not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        raise ValueError("Bitte ein Datum im Format JJJJ-MM-TT angeben.")
    return value


IsoDate = Annotated[datetime.date, BeforeValidator(_iso_date_only)]
