"""The shared helpers that put service errors on forms and record only what changed."""

import pytest
from django import forms
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from openkommune.core.forms import (
    add_service_errors,
    flash_outcome,
    submit_form,
    submit_form_result,
)
from openkommune.tenancy.services import changed_fields, reject_unknown_fields


class _QuantityForm(forms.Form):
    name = forms.CharField()
    menge_7 = forms.IntegerField(required=False)


def _request(method="post", data=None):
    request = getattr(RequestFactory(), method)("/", data or {})
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_field_errors_go_to_their_field_and_unknown_keys_to_the_form():
    form = _QuantityForm({"name": "x"})
    assert form.is_valid()
    add_service_errors(form, ValidationError({"name": "zu kurz", "other": "falsch"}))
    assert form.errors["name"] == ["zu kurz"]
    assert form.non_field_errors() == ["falsch"]


def test_prefix_maps_service_keys_onto_form_fields():
    form = _QuantityForm({"name": "x"})
    assert form.is_valid()
    add_service_errors(form, ValidationError({"7": "zu viel"}), prefix="menge_")
    assert form.errors["menge_7"] == ["zu viel"]


def test_submit_form_keeps_the_page_on_a_service_error():
    request = _request(data={"name": "x"})
    form = _QuantityForm(request.POST)

    def save():
        raise ValidationError("Die Frist ist abgelaufen.")

    assert submit_form(request, form, save, success="gespeichert") is False
    assert form.non_field_errors() == ["Die Frist ist abgelaufen."]
    assert [m.message for m in request._messages] == []


def test_submit_form_runs_nothing_on_get_and_flashes_on_success():
    calls = []
    get = _request("get")
    assert submit_form(get, _QuantityForm(), lambda: calls.append(1)) is False
    post = _request(data={"name": "x"})
    assert submit_form(post, _QuantityForm(post.POST), lambda: calls.append(1), success="ok")
    assert calls == [1]
    assert [m.message for m in post._messages] == ["ok"]


def test_submit_form_result_hands_back_what_the_service_created():
    post = _request(data={"name": "x"})
    created = submit_form_result(post, _QuantityForm(post.POST), lambda: "Runde 7", success="ok")
    assert created == "Runde 7"
    assert [m.message for m in post._messages] == ["ok"]
    refused = _request(data={"name": "x"})
    form = _QuantityForm(refused.POST)

    def create():
        raise ValidationError({"name": "vergeben"})

    assert submit_form_result(refused, form, create, success="ok") is None
    assert form.errors["name"] == ["vergeben"]
    assert submit_form_result(_request("get"), _QuantityForm(), lambda: "nie") is None


def test_flash_outcome_flashes_the_service_error():
    request = _request()

    def action():
        raise ValidationError("Die Runde ist geschlossen.")

    assert flash_outcome(request, action, success="ok") is False
    assert [m.message for m in request._messages] == ["Die Runde ist geschlossen."]


def test_changed_fields_keeps_only_what_changed():
    assert changed_fields({"a": 1, "b": 2}, {"a": 1, "b": 3}) == ({"b": 2}, {"b": 3})
    assert changed_fields(None, {"a": 1}) == (None, {"a": 1})


def test_unknown_fields_are_a_programming_error():
    with pytest.raises(TypeError, match="Unknown lot fields"):
        reject_unknown_fields({"title", "colour"}, ("title",), "lot")
