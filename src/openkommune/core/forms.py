"""Form helpers that render Django forms in KERN markup with accessible error wiring."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import render


class KernFormMixin:
    """Adds KERN classes and, after validation, `aria-invalid` and `aria-describedby`.

    The ids match templates/includes/field.html: `<id>-hint` and `<id>-error`.
    """

    input_class = "kern-form-input__input"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.kern_field(name)

    def kern_field(self, name: str) -> None:
        """Style the field `name` (`input_class`) and wire its hint; also for fields a
        subclass adds after `__init__`. Idempotent."""
        field = self.fields[name]
        classes = field.widget.attrs.get("class", "").split()
        if self.input_class not in classes:
            field.widget.attrs["class"] = " ".join([*classes, self.input_class])
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
                css = widget.attrs.get("class", "")
                widget.attrs["class"] = f"{css} {self.input_class}--error".strip()
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


def submit_form(request, form, save, *, success: str = "") -> bool:
    """On a POST with a valid `form`, run the service call `save()`.

    True when it went through (and `success`, if given, is flashed); False when the page
    is to be shown again: a GET, an invalid form, or the service's ValidationError, which
    is then put onto the form.
    """
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        save()
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    if success:
        messages.success(request, success)
    return True


def submit_form_result(request, form, create, *, success: str = ""):
    """`submit_form` for a service call whose result the view goes on with (the object it
    created): that result when it went through, else None."""
    results = []
    if submit_form(request, form, lambda: results.append(create()), success=success):
        return results[0]
    return None


def flash_outcome(request, action, *, success: str) -> bool:
    """Run the service call `action()` of a button without a form: its ValidationError is
    flashed as an error, else `success`. True when it went through."""
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    messages.success(request, success)
    return True


def render_form(request, template: str, form, context: dict | None = None):
    """The page of `form`: status 422 when it was sent with errors, else 200."""
    status = 422 if form.is_bound and form.errors else 200
    return render(request, template, {"form": form, **(context or {})}, status=status)
