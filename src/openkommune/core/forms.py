"""Form helpers that render Django forms in KERN markup with accessible error wiring."""

from django.core.exceptions import ValidationError


class KernFormMixin:
    """Adds KERN classes and, after validation, `aria-invalid` and `aria-describedby`.

    The ids match templates/includes/field.html: `<id>-hint` and `<id>-error`.
    """

    input_class = "kern-form-input__input"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{css} {self.input_class}".strip()
            if field.help_text:
                self._describe(name, "hint")

    def _describe(self, name: str, suffix: str) -> None:
        field = self.fields[name]
        widget = field.widget
        # A transient bound field: `self[name]` would be cached with the label and texts as
        # they are now, hiding changes a subclass makes after `super().__init__()`.
        field_id = field.get_bound_field(self, name).id_for_label
        ids = widget.attrs.get("aria-describedby", "").split()
        ref = f"{field_id}-{suffix}"
        if ref not in ids:
            ids.append(ref)
        widget.attrs["aria-describedby"] = " ".join(ids)

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["class"] += f" {self.input_class}--error"
                self._describe(name, "error")


def add_service_errors(form, error: ValidationError, *, prefix: str = "") -> None:
    """Put a service's ValidationError onto `form`: per field where the form has that field
    (named `prefix` + the error's key), else as an error of the whole form."""
    if hasattr(error, "error_dict"):
        for key, messages in error.message_dict.items():
            name = f"{prefix}{key}"
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
