"""Template tags that render a step of an online form (see forms/engine/rendering.py)."""

from django import template

from openkommune.forms.engine.rendering import error_summary_entries, step_widgets

register = template.Library()


@register.simple_tag
def form_step_widgets(definition, step, values=None, errors=None, file_names=None, origins=None):
    """{% form_step_widgets definition step values errors file_names origins as widgets %}"""
    return step_widgets(definition, step, values, errors, file_names=file_names, origins=origins)


@register.simple_tag
def form_error_summary(definition, step, values=None, errors=None):
    """{% form_error_summary definition step values errors as entries %}: [(href, message)]"""
    return error_summary_entries(definition, step, values, errors)


def _has_buttons(widgets) -> bool:
    for widget in widgets:
        if widget.kind == "repeat" or (widget.kind == "file" and widget.current_file):
            return True
        if _has_buttons(widget.children) or _has_buttons(widget.entries):
            return True
    return False


@register.filter
def has_action_buttons(widgets) -> bool:
    """Whether the step shows add/remove buttons (then the page needs a default button
    first, so that Enter in a text field does not press "Entfernen")."""
    return _has_buttons(widgets)
