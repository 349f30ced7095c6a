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


def no_violations(pages, on_page=None):
    """A stand-in for `studio.axe.run_axe` where the browser is not what a test is about:
    every page checked, nothing found."""
    results = []
    for index, page in enumerate(pages):
        if on_page is not None:
            on_page(index, page)
        results.append({"title": page.title, "path": page.path, "violations": []})
    return results


def gate_passed(actor, version, runner=no_violations):
    """A finished gate run of the version as it is now (the publish gate, ADR 0036)."""
    from openkommune.studio.services import gate_run_execute, gate_run_request

    run = gate_run_request(actor=actor, version=version)
    return gate_run_execute(run_public_id=str(run.public_id), runner=runner)
