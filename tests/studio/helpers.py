"""Helpers of the studio tests: a draft to edit, POST data from a form's initial values."""

from django import forms

from openkommune.forms.services import form_version_create
from tests.forms.helpers import field, raw_form


def draft(actor, key="studio_test", *items, **kwargs):
    definition = raw_form(*(items or [field("name", required=True)]), key=key, **kwargs)
    return form_version_create(actor=actor, definition=definition, new_form=True)


def post_data(form) -> dict:
    """What the browser posts for the form as shown (every input at its initial value)."""
    data = {}
    for name, bound in form.fields.items():
        value = form[name].value()
        if isinstance(bound, forms.BooleanField):
            if value:
                data[name] = "on"
        elif isinstance(bound, forms.MultipleChoiceField):
            data[name] = list(value or [])
        elif value is not None:
            data[name] = value
    return data
