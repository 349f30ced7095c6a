from django import forms
from django.utils.translation import gettext_lazy as _

from openkommune.core.forms import KernFormMixin
from openkommune.members.io import LIMITS
from openkommune.tenancy.constants import OrganisationKind

SORT_CHOICES = (
    ("name", _("Name (A–Z)")),
    ("-name", _("Name (Z–A)")),
    ("joined", _("Beitritt (älteste zuerst)")),
    ("-joined", _("Beitritt (neueste zuerst)")),
    ("kind", _("Art")),
)


class RegisterFilterForm(KernFormMixin, forms.Form):
    art = forms.ChoiceField(
        label=_("Art"),
        required=False,
        choices=[("", _("alle Arten"))]
        + [
            (value, label) for value, label in OrganisationKind.choices if value != "genossenschaft"
        ],
    )
    stand = forms.DateField(
        label=_("Stand am"),
        required=False,
        help_text=_(
            "Nur wer an diesem Tag Mitglied war, Format TT.MM.JJJJ. Leer: alle, auch ehemalige."
        ),
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
        error_messages={"invalid": _("Bitte ein Datum im Format TT.MM.JJJJ angeben.")},
    )
    sortierung = forms.ChoiceField(label=_("Sortierung"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("art", "sortierung"):
            self.fields[name].widget.attrs["class"] = "kern-form-input__select"


class RegisterImportForm(KernFormMixin, forms.Form):
    datei = forms.FileField(
        label=_("Datei (CSV oder XLSX)"),
        help_text=_(
            "Spalten: name, art, ags_oder_ars, beitritt, austritt, austrittsgrund, "
            "gruendungsmitglied, anteile_anzahl, anteile_betrag, bemerkungen. Höchstens 5 MB."
        ),
    )
    nur_pruefen = forms.BooleanField(label=_("Nur prüfen, nichts speichern"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nur_pruefen"].widget.attrs["class"] = "kern-form-check__input"

    def clean_datei(self):
        upload = self.cleaned_data["datei"]
        if upload.size > LIMITS.max_bytes:
            raise forms.ValidationError(_("Die Datei ist größer als 5 MB."))
        return upload


class BodiesForm(KernFormMixin, forms.Form):
    """The organisations a member names as bodies that call off on its behalf."""

    stellen = forms.ModelMultipleChoiceField(
        label=_("Abrufberechtigte Stellen"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Zur Auswahl stehen Organisationen der Plattform, die selbst nicht Mitglied sind "
            "und noch von keinem anderen Mitglied benannt wurden."
        ),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stellen"].queryset = candidates


class JoinForm(KernFormMixin, forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=None,
        help_text=_("Organisationen der Plattform, die derzeit kein Mitglied sind."),
    )
    joined_on = forms.DateField(
        label=_("Beitritt am"), widget=forms.DateInput(attrs={"type": "date"})
    )
    is_founding_member = forms.BooleanField(label=_("Gründungsmitglied"), required=False)
    shares_count = forms.IntegerField(label=_("Anzahl Geschäftsanteile"), min_value=0, initial=0)
    shares_amount = forms.DecimalField(
        label=_("Betrag der Geschäftsanteile (Euro)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        initial=0,
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = candidates


class LeaveForm(KernFormMixin, forms.Form):
    left_on = forms.DateField(
        label=_("Austritt am"),
        help_text=_("Der erste Tag ohne Mitgliedschaft."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(label=_("Austrittsgrund"), max_length=300, required=False)
