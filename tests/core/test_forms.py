from django import forms

from openkommune.core.forms import KernFormMixin


class _Base(KernFormMixin, forms.Form):
    name = forms.CharField(label="Alt", help_text="Hinweis")


class _Renamed(_Base):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = "Neu"


def test_subclass_changes_after_init_are_rendered():
    assert _Renamed()["name"].label == "Neu"


def test_errors_are_wired_to_the_field():
    form = _Base(data={"name": ""})
    assert not form.is_valid()
    attrs = form.fields["name"].widget.attrs
    assert attrs["aria-invalid"] == "true"
    assert attrs["aria-describedby"].split() == ["id_name-hint", "id_name-error"]
    assert "kern-form-input__input--error" in attrs["class"]
