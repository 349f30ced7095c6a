"""Form fields shared by the member administrator's per-service settings."""

from __future__ import annotations

from django import forms


def optional_period_field(
    *, label, max_value: int, help_text, messages: dict
) -> forms.IntegerField:
    """An optional whole number of days or months, at least 1 (blank: the more general rule
    applies), typed into a plain numeric text box. `messages` holds the German "invalid",
    "min_value" and "max_value" texts, which name the unit."""
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1,
        max_value=max_value,
        help_text=help_text,
        error_messages=messages,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
