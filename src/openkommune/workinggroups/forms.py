from django import forms
from django.utils.translation import gettext_lazy as _

from openkommune.core.forms import KernFormMixin
from openkommune.fachverfahren.models import Fachverfahren
from openkommune.procurement.models import FrameworkContract
from openkommune.workinggroups.constants import Choice, ParticipantRole, VoteVisibility, VotingMode

MOMENT_FORMATS = ["%d.%m.%Y %H:%M", "%d.%m.%Y, %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def moment_field(label):
    return forms.DateTimeField(
        label=label,
        help_text=_("Datum und Uhrzeit, zum Beispiel 06.12.2026 09:00"),
        widget=forms.DateTimeInput(format="%d.%m.%Y %H:%M"),
        input_formats=MOMENT_FORMATS,
        error_messages={
            "invalid": _("Bitte geben Sie Datum und Uhrzeit so ein: 06.12.2026 09:00."),
            "required": _("Bitte geben Sie Datum und Uhrzeit an."),
        },
    )


class GroupForm(KernFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Worum es geht"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    vote_visibility = forms.ChoiceField(
        label=_("Abstimmungen"),
        choices=VoteVisibility.choices,
        initial=VoteVisibility.SECRET,
        widget=forms.RadioSelect,
    )
    quorum = forms.IntegerField(
        label=_("Beschlussfähig ab (Stimmberechtigte)"),
        min_value=1,
        max_value=500,
        initial=2,
        help_text=_(
            "So viele Stimmberechtigte (Vorsitz und Mitglieder) müssen an einer Abstimmung "
            "teilnehmen bzw. in der Sitzung anwesend sein."
        ),
    )
    contracts = forms.ModelMultipleChoiceField(
        label=_("Besprochene Rahmenverträge"),
        queryset=FrameworkContract.objects.order_by("number"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    fachverfahren = forms.ModelMultipleChoiceField(
        label=_("Besprochene Fachverfahren"),
        queryset=Fachverfahren.objects.order_by("name", "version"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ParticipantForm(KernFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-Mail-Adresse der Person"),
        help_text=_(
            "Beschäftigte eines Mitglieds oder der Genossenschaft mit Zugang zur Plattform"
        ),
    )
    role = forms.ChoiceField(
        label=_("Rolle"),
        choices=ParticipantRole.choices,
        initial=ParticipantRole.MEMBER,
        widget=forms.RadioSelect,
    )


class MeetingForm(KernFormMixin, forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=200)
    starts_at = moment_field(_("Beginn"))
    ends_at = moment_field(_("Ende"))
    location = forms.CharField(
        label=_("Ort"), max_length=300, required=False, help_text=_("Raum und Anschrift oder Link")
    )


class MeetingPlanForm(MeetingForm):
    agenda = forms.CharField(
        label=_("Tagesordnung"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Ein Tagesordnungspunkt je Zeile"),
    )


class AgendaItemForm(KernFormMixin, forms.Form):
    title = forms.CharField(label=_("Neuer Tagesordnungspunkt"), max_length=200)


class AttendanceForm(forms.Form):
    present = forms.MultipleChoiceField(
        label=_("Anwesend"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, participants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [
            (str(p.pk), f"{p.user.get_full_name() or p.user.email} ({p.organisation}, "
             f"{p.get_role_display()})")
            for p in participants
        ]  # fmt: skip


class MinutesForm(KernFormMixin, forms.Form):
    minutes = forms.CharField(
        label=_("Protokoll"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Reiner Text; was besprochen und vereinbart wurde."),
    )


class FileForm(KernFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Datei"),
        help_text=_("PDF, JPEG, PNG, TIFF oder Text; sie wird auf Schadsoftware geprüft."),
    )
    title = forms.CharField(
        label=_("Titel"), max_length=200, required=False, help_text=_("Sonst der Dateiname")
    )


class DecisionForm(KernFormMixin, forms.Form):
    title = forms.CharField(label=_("Beschluss"), max_length=200)
    text = forms.CharField(label=_("Beschlussvorschlag"), widget=forms.Textarea(attrs={"rows": 5}))
    voting = forms.ChoiceField(
        label=_("Abstimmung"),
        choices=VotingMode.choices,
        initial=VotingMode.MEETING,
        widget=forms.RadioSelect,
    )
    agenda_item = forms.ChoiceField(label=_("Tagesordnungspunkt"), required=False)
    contract = forms.ModelChoiceField(
        label=_("Rahmenvertrag"),
        queryset=FrameworkContract.objects.order_by("number"),
        required=False,
        empty_label=_("keiner"),
    )
    fachverfahren = forms.ModelChoiceField(
        label=_("Fachverfahren"),
        queryset=Fachverfahren.objects.order_by("name", "version"),
        required=False,
        empty_label=_("keines"),
    )

    def __init__(self, *args, agenda_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        if agenda_items:
            self.fields["agenda_item"].choices = [("", _("keiner"))] + [
                (str(item.public_id), str(item)) for item in agenda_items
            ]
        else:
            del self.fields["agenda_item"]


class LinkForm(KernFormMixin, forms.Form):
    contract = forms.ModelChoiceField(
        label=_("Rahmenvertrag"),
        queryset=FrameworkContract.objects.order_by("number"),
        required=False,
        empty_label=_("keiner"),
    )
    fachverfahren = forms.ModelChoiceField(
        label=_("Fachverfahren"),
        queryset=Fachverfahren.objects.order_by("name", "version"),
        required=False,
        empty_label=_("keines"),
    )


class VoteForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("Ihre Stimme"), choices=Choice.choices, widget=forms.RadioSelect
    )


class CountsForm(KernFormMixin, forms.Form):
    yes = forms.IntegerField(label=_("Ja-Stimmen"), min_value=0, max_value=10000)
    no = forms.IntegerField(label=_("Nein-Stimmen"), min_value=0, max_value=10000)
    abstain = forms.IntegerField(label=_("Enthaltungen"), min_value=0, max_value=10000)
