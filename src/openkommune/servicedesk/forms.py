from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkommune.accounts.models import User
from openkommune.core.forms import KernFormMixin
from openkommune.core.widgets import KernRadioSelect
from openkommune.fachverfahren.models import Fachverfahren
from openkommune.servicedesk.constants import (
    MAX_ENTRY_MINUTES,
    RATINGS,
    Category,
    Priority,
    Status,
    Team,
)
from openkommune.tenancy.constants import Role


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
    attachment = forms.FileField(
        label=_("Datei anhängen"),
        required=False,
        help_text=_("PDF, Bild (JPEG, PNG, TIFF) oder Textdatei, z. B. ein Bildschirmfoto"),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Nachricht"), widget=forms.Textarea(attrs={"rows": 4}))
    attachment = forms.FileField(
        label=_("Datei anhängen"),
        required=False,
        help_text=_("PDF, Bild (JPEG, PNG, TIFF) oder Textdatei, z. B. ein Bildschirmfoto"),
    )
    internal = forms.BooleanField(
        label=_("interne Notiz (für das Mitglied nicht sichtbar)"), required=False
    )


def staff_users():
    return User.objects.filter(
        is_active=True,
        memberships__role=Role.COOPERATIVE_STAFF,
        memberships__tenant__is_cooperative=True,
    ).order_by("email")


class UpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    team = forms.ChoiceField(label=_("Team"), choices=Team.choices)
    priority = forms.ChoiceField(label=_("Priorität"), choices=Priority.choices)
    assignee = forms.ModelChoiceField(
        label=_("Bearbeitet von"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("niemand (das Team)"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_users().distinct()


class TimeEntryForm(KernFormMixin, forms.Form):
    minutes = forms.IntegerField(
        label=_("Minuten"),
        min_value=1,
        max_value=MAX_ENTRY_MINUTES,
        help_text=_("Ganze Minuten, höchstens 720 je Buchung"),
    )
    note = forms.CharField(label=_("Tätigkeit"), max_length=300)
    worked_on = forms.DateField(
        label=_("Tag"),
        help_text=_("Format: TT.MM.JJJJ"),
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worked_on"].initial = timezone.localdate().strftime("%d.%m.%Y")


class SatisfactionForm(KernFormMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Wie zufrieden sind Sie mit der Bearbeitung?"),
        help_text=_("1 = gar nicht zufrieden, 5 = sehr zufrieden"),
        choices=RATINGS,
        coerce=int,
        widget=KernRadioSelect,
        error_messages={"required": _("Bitte wählen Sie eine Bewertung von 1 bis 5.")},
    )
    comment = forms.CharField(
        label=_("Was möchten Sie uns sagen?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # KernFormMixin gave every widget the text input's class; radios keep their own.
        self.fields["rating"].widget.attrs["class"] = "kern-form-check__input"
