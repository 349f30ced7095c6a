"""Page forms of the back office: the inbox filter (GET) and the actions on a case file.

The action forms check what the page can check (the workflow rules are pure functions in
`workflow`); the services check again under the row lock and their German messages end up
on the same fields.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from openkommune.cases.constants import (
    DOCUMENT_TITLE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    CaseStatus,
    Decision,
)
from openkommune.cases.errors import CaseError
from openkommune.cases.forms.errors import add_case_errors
from openkommune.cases.selectors.inbox import (
    DEFAULT_DESCENDING,
    DEFAULT_SORT,
    MAX_QUERY_LENGTH,
    Assignment,
    InboxFilters,
    Sort,
)
from openkommune.cases.services.workflow import allowed_targets, check_transition
from openkommune.core.forms import KernFormMixin

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
# Years the inbox's date filters accept. Dates near year 1 or 9999 overflow when the day is
# turned into a time (a day added, the UTC offset applied) and fail on SQLite; no case was
# submitted outside these years.
FILTER_MIN_YEAR = 2000
FILTER_MAX_YEAR = 2999

# URL parameters of the inbox (German, as the clerk sees them in the address bar).
SORT_PARAMS = {
    "eingang": Sort.SUBMITTED,
    "frist": Sort.DUE,
    "status": Sort.STATUS,
    "aktenzeichen": Sort.REFERENCE,
    "name": Sort.APPLICANT,
}
SORT_PARAM_FOR = {value: key for key, value in SORT_PARAMS.items()}
ASSIGNMENT_PARAMS = {"mir": Assignment.MINE, "offen": Assignment.UNASSIGNED}
DIRECTION_ASC, DIRECTION_DESC = "auf", "ab"


class KernSelectMixin(KernFormMixin):
    """KERN's select class instead of the text input's (the mixin sets that on every widget)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
                widget.attrs["class"] = "kern-form-input__select"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            widget = self.fields[name].widget if name in self.fields else None
            if isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
                widget.attrs["class"] = "kern-form-input__select kern-form-input__select--error"


class InboxFilterForm(KernSelectMixin, forms.Form):
    """The inbox's filters. Invalid values are reported and left out; the rest applies."""

    q = forms.CharField(
        label=_("Suche nach Aktenzeichen oder Name"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        help_text=_("Teile genügen, z. B. „7KQ4“ oder „Muster“."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("alle")), *list(CaseStatus.choices)],
    )
    leistung = forms.ChoiceField(label=_("Leistung"), required=False)
    zuweisung = forms.ChoiceField(
        label=_("Zuständigkeit"),
        required=False,
        choices=[
            ("", _("alle Vorgänge")),
            ("mir", _("mir zugewiesen")),
            ("offen", _("niemandem zugewiesen")),
        ],
    )
    ueberfaellig = forms.BooleanField(label=_("nur überfällige (Frist abgelaufen)"), required=False)
    wiedervorlage = forms.BooleanField(label=_("nur fällige Wiedervorlagen"), required=False)
    von = forms.DateField(
        label=_("Eingegangen ab"), required=False, input_formats=DATE_FORMATS, widget=DATE_WIDGET
    )
    bis = forms.DateField(
        label=_("Eingegangen bis"), required=False, input_formats=DATE_FORMATS, widget=DATE_WIDGET
    )
    sortierung = forms.ChoiceField(
        required=False, choices=[(k, k) for k in SORT_PARAMS], widget=forms.HiddenInput
    )
    richtung = forms.ChoiceField(
        required=False,
        choices=[(DIRECTION_ASC, DIRECTION_ASC), (DIRECTION_DESC, DIRECTION_DESC)],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, services: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        # (ozg_id, name) of the services the authority offers or offered.
        self.service_ids: dict[str, str] = dict(services)
        self.fields["leistung"].choices = [("", _("alle Leistungen")), *services]

    def _clean_filter_date(self, name: str):
        day = self.cleaned_data.get(name)
        if day is not None and not FILTER_MIN_YEAR <= day.year <= FILTER_MAX_YEAR:
            raise ValidationError(
                _("Bitte ein Datum zwischen dem Jahr %(min)d und dem Jahr %(max)d angeben.")
                % {"min": FILTER_MIN_YEAR, "max": FILTER_MAX_YEAR}
            )
        return day

    def clean_von(self):
        return self._clean_filter_date("von")

    def clean_bis(self):
        return self._clean_filter_date("bis")

    def clean(self):
        data = super().clean()
        start, end = data.get("von"), data.get("bis")
        if start and end and end < start:
            self.add_error("bis", _("„Eingegangen bis“ darf nicht vor „Eingegangen ab“ liegen."))
        return data

    def valid_data(self) -> dict:
        """The values that passed (the form is validated first)."""
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    def filters(self, *, service_pks: dict[str, int]) -> InboxFilters:
        data = self.valid_data()
        leistung = data.get("leistung") or ""
        return InboxFilters(
            status=data.get("status") or "",
            ozg_leistung_id=service_pks.get(leistung) if leistung else None,
            assignment=ASSIGNMENT_PARAMS.get(data.get("zuweisung") or "", ""),
            overdue=bool(data.get("ueberfaellig")),
            follow_up_due=bool(data.get("wiedervorlage")),
            submitted_from=data.get("von"),
            submitted_to=None if "bis" in self.errors else data.get("bis"),
            query=data.get("q") or "",
        )

    def sort(self) -> tuple[str, bool]:
        data = self.valid_data()
        sort = SORT_PARAMS.get(data.get("sortierung") or "", DEFAULT_SORT)
        direction = data.get("richtung") or ""
        if not direction:
            return sort, default_descending(sort)
        return sort, direction == DIRECTION_DESC


def default_descending(sort: str) -> bool:
    """Newest first for the date of receipt; everything else starts ascending (the nearest
    deadline first, A to Z)."""
    return DEFAULT_DESCENDING if sort == DEFAULT_SORT else False


class CaseActionForm(KernSelectMixin, forms.Form):
    def add_case_error(self, error: CaseError) -> None:
        add_case_errors(self, error.fields, error.message)


class TransitionForm(CaseActionForm):
    """A status change. Only allowed targets are offered; one posted anyway is refused with
    the workflow's message."""

    to = forms.ChoiceField(
        label=_("Neuer Status"),
        choices=CaseStatus.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Bitte wählen Sie den neuen Status."),
            "invalid_choice": _("Diesen Status gibt es nicht."),
        },
    )
    decision = forms.ChoiceField(
        label=_("Entscheidung"),
        choices=Decision.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Diese Entscheidung gibt es nicht.")},
    )
    reason = forms.CharField(
        label=_("Begründung"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=_("Nötig bei „entschieden“ und „ruhend“. Nur intern sichtbar."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, current_status: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_status = current_status
        self.targets = [(s, CaseStatus(s).label) for s in allowed_targets(current_status)]
        self.offers_decision = CaseStatus.DECIDED in dict(self.targets)

    def clean(self):
        data = super().clean()
        to = data.get("to")
        if not to:
            return data
        # A decision chosen while another target was picked is not meant for that target.
        decision = data.get("decision") if to == CaseStatus.DECIDED else ""
        try:
            reason, decision = check_transition(
                self.current_status, to, reason=data.get("reason", ""), decision=decision
            )
        except CaseError as error:
            self.add_case_error(error)
            return data
        data["reason"], data["decision"] = reason, decision
        return data


class AssignForm(CaseActionForm):
    assignee = forms.ChoiceField(
        label=_("Zuständig"),
        required=False,
        error_messages={
            "invalid_choice": _(
                "Der Vorgang kann nur Personen Ihrer Organisation zugewiesen werden."
            )
        },
    )

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.users = {str(user.pk): user for user in users}
        self.fields["assignee"].choices = [("", _("niemand (Zuweisung aufheben)"))] + [
            (key, user.get_full_name() or user.email) for key, user in self.users.items()
        ]

    def assignee_user(self):
        return self.users.get(self.cleaned_data.get("assignee") or "")


class FollowUpForm(CaseActionForm):
    follow_up_on = forms.DateField(
        label=_("Wiedervorlage am"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=DATE_WIDGET,
        help_text=_("Leer lassen, um die Wiedervorlage zu entfernen."),
        error_messages={"invalid": _("Bitte geben Sie ein Datum wie 31.12.2026 ein.")},
    )


class NoteForm(CaseActionForm):
    text = forms.CharField(
        label=_("Notiz"),
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Nur intern sichtbar, nie für die Antragstellerin oder den Antragsteller."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Bitte schreiben Sie eine Notiz.")},
    )


class DocumentForm(CaseActionForm):
    title = forms.CharField(
        label=_("Bezeichnung"),
        required=False,
        max_length=DOCUMENT_TITLE_MAX_LENGTH,
        help_text=_("Ohne Angabe gilt der Dateiname."),
    )
    file = forms.FileField(
        label=_("Datei"),
        help_text=_("PDF, JPEG, PNG, TIFF oder Text."),
        error_messages={
            "required": _("Bitte wählen Sie eine Datei aus."),
            "empty": _("Die Datei ist leer."),
        },
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded is not None and uploaded.size == 0:
            raise ValidationError(_("Die Datei ist leer."))
        return uploaded
