from django import forms
from django.utils.translation import gettext_lazy as _

from openkommune.fachverfahren.models import Fachverfahren
from openkommune.servicedesk.constants import Category, Priority, Status, Team


class TicketForm(forms.Form):
    subject = forms.CharField(label=_("Betreff"), max_length=200)
    fachverfahren = forms.ModelChoiceField(
        label=_("Fachverfahren"),
        queryset=Fachverfahren.objects.filter(is_active=True),
        required=False,
        empty_label=_("keines / weiß nicht"),
    )
    category = forms.ChoiceField(label=_("Kategorie"), choices=Category.choices)
    priority = forms.ChoiceField(
        label=_("Priorität"), choices=Priority.choices, initial=Priority.NORMAL
    )
    body = forms.CharField(label=_("Beschreibung"), widget=forms.Textarea(attrs={"rows": 6}))


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Nachricht"), widget=forms.Textarea(attrs={"rows": 4}))
    internal = forms.BooleanField(
        label=_("interne Notiz (für das Mitglied nicht sichtbar)"), required=False
    )


class UpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    team = forms.ChoiceField(label=_("Team"), choices=Team.choices)
    priority = forms.ChoiceField(label=_("Priorität"), choices=Priority.choices)
