"""API schemas of /api/v1/forms."""

import datetime

from ninja import Field, Schema


class FormOut(Schema):
    key: str = Field(description="Schlüssel des Formulars, stabil über alle Versionen")
    title: str
    leika_keys: list[str] = Field(description="LeiKa-Schlüssel der Leistungen des Formulars")
    current_version: int = Field(description="Nummer der neuesten veröffentlichten Version")


class FormListOut(Schema):
    items: list[FormOut]


class FormVersionOut(Schema):
    key: str
    number: int
    status: str = Field(description="published oder retired (Entwürfe sind nicht öffentlich)")
    published_at: datetime.datetime
    definition: dict = Field(
        description="Die Formulardefinition (Schema: form-definition.schema.json, docs/forms.md)"
    )
    data_schema: dict = Field(
        description="JSON Schema (2020-12) der Daten, die ein Antrag dieser Version enthält"
    )
