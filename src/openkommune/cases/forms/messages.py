"""Forms of the message and notice pages (clerk and applicant). They check shape only; the
services decide (and raise errors with `fields`, which the views put back on the form)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from openkommune.cases.constants import MESSAGE_MAX_LENGTH, REASON_MAX_LENGTH, Decision
from openkommune.cases.forms.errors import add_case_errors
from openkommune.cases.services.messaging import MAX_REPLY_FILES
from openkommune.cases.services.notices import NOTICE_TEXT_MAX_LENGTH
from openkommune.core.forms import KernFormMixin


class MessageForm(KernFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Ihre Nachricht"),
        max_length=MESSAGE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Die Antragstellerin/der Antragsteller sieht die Nachricht auf der Statusseite des "
            "Antrags und bekommt eine E-Mail ohne den Text. Der Vorgang wechselt in „Rückfrage“."
        ),
        error_messages={"required": _("Bitte schreiben Sie eine Nachricht.")},
    )

    def add_service_errors(self, fields: dict[str, list[str]], message: str) -> None:
        add_case_errors(self, fields, message, default="body")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (empty when none was chosen). The
    content is checked by the service (`cases.files.intake`), not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ReplyForm(KernFormMixin, forms.Form):
    """The applicant's answer: text, files, or both."""

    body = forms.CharField(
        label=_("Ihre Antwort"),
        max_length=MESSAGE_MAX_LENGTH,
        strip=True,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    files = MultipleFileField(
        label=_("Dateien"),
        help_text=_(
            "PDF, JPEG, PNG, TIFF oder Textdatei, höchstens %(n)d Dateien. Wenn Ihre "
            "Antwort nicht angenommen werden kann, wählen Sie die Dateien bitte erneut aus."
        )
        % {"n": MAX_REPLY_FILES},
    )

    def add_service_errors(self, fields: dict[str, list[str]], message: str) -> None:
        add_case_errors(self, fields, message, default="body")


class NoticeForm(KernFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Entscheidung"),
        choices=Decision.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _(
                "Bitte wählen Sie die Entscheidung: bewilligt, abgelehnt oder teilweise bewilligt."
            )
        },
    )
    reason = forms.CharField(
        label=_("Begründung"),
        max_length=REASON_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Steht im Bescheid unter „Begründung“ (Platzhalter {{ reason }})."),
        error_messages={"required": _("Bitte begründen Sie die Entscheidung.")},
    )

    def add_service_errors(self, fields: dict[str, list[str]], message: str) -> None:
        add_case_errors(self, fields, message, default=None)


class NoticeConfirmForm(NoticeForm):
    """The preview: decision and reason as chosen (hidden), the text as it will be issued."""

    decision = forms.ChoiceField(
        label=NoticeForm.base_fields["decision"].label,
        choices=Decision.choices,
        widget=forms.HiddenInput,
        error_messages=NoticeForm.base_fields["decision"].error_messages,
    )
    reason = forms.CharField(
        label=NoticeForm.base_fields["reason"].label,
        max_length=REASON_MAX_LENGTH,
        strip=True,
        widget=forms.HiddenInput,
        error_messages=NoticeForm.base_fields["reason"].error_messages,
    )
    text = forms.CharField(
        label=_("Text des Bescheids"),
        max_length=NOTICE_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 22}),
        help_text=_(
            "Sie können den Text hier noch ändern. Absätze trennen Sie durch eine Leerzeile; "
            "eine Zeile, die mit „## “ beginnt, wird eine Überschrift."
        ),
        error_messages={"required": _("Der Bescheid braucht einen Text.")},
    )
