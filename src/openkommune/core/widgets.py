"""Widgets shared by the KERN forms."""

from django import forms


class KernRadioSelect(forms.RadioSelect):
    """Radio buttons with KERN's class. Their label target (`id_for_label`) is the first
    button, so the error summary's link (`includes/error_summary.html`) leads somewhere:
    Django's RadioSelect gives no target for the group."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"class": "kern-form-check__input", **(attrs or {})}, choices)

    def id_for_label(self, id_, index=None):
        return super().id_for_label(id_, "0" if index is None else index)
