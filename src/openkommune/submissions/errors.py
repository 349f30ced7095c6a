"""Errors the submissions services raise. Each carries a German `message` for the page or
API, and `fields` (path -> messages) where it concerns fields of the form."""

from __future__ import annotations

from django.utils.translation import gettext as _

from openkommune.core.errors import DomainError
from openkommune.submissions.models import Draft


class SubmissionError(DomainError):
    code = "submission_error"


class ServiceNotOffered(SubmissionError):
    """The service is not offered online for that place (no member, or not switched on)."""

    code = "service_not_offered"


class PlaceGone(ServiceNotOffered):
    """The draft's Gemeinde is no longer in the register (merged away by a re-import of the
    official list): the draft cannot be routed any more and has to be started again."""

    code = "place_gone"

    def __init__(self):
        super().__init__(
            _(
                "Ihre Gemeinde steht so nicht mehr im amtlichen Gemeindeverzeichnis, zum "
                "Beispiel nach einem Zusammenschluss mit einer Nachbargemeinde. Bitte beginnen "
                "Sie den Antrag neu und geben Sie dabei Ihre Postleitzahl an."
            )
        )


class UploadRejected(SubmissionError):
    """A file was not accepted (size, type, virus, empty). Nothing was stored."""

    code = "upload_rejected"


class SubmitInvalid(SubmissionError):
    """The data does not validate against the pinned form version, or an attachment is
    missing or not clean. `errors`/`fields` map paths to German messages."""

    code = "validation_error"

    def __init__(
        self, errors: dict[str, list[str]], message: str | None = None, *, data_paths=True
    ):
        super().__init__(
            message or _("Der Antrag ist noch nicht vollständig oder enthält Fehler."), errors
        )
        # False when the keys name request fields (e-mail, version), not paths in the data.
        self.data_paths = data_paths

    @property
    def errors(self) -> dict[str, list[str]]:
        return self.fields


class DraftExpired(SubmissionError, Draft.DoesNotExist):
    """The resume link of an anonymous draft is no longer valid. Also a `Draft.DoesNotExist`,
    so a view that answers 404 for a missing draft does so for an expired link too."""

    code = "draft_expired"


class DraftAlreadySubmitted(SubmissionError):
    """A draft that became an application cannot change any more."""

    code = "draft_submitted"


class ResumeLinkThrottled(SubmissionError):
    """A resume link for this draft was e-mailed a short while ago; no second one yet.
    `retry_at` is when the next one may be sent."""

    code = "resume_link_throttled"

    def __init__(self, message: str, retry_at):
        super().__init__(message)
        self.retry_at = retry_at


class IdempotencyConflict(SubmissionError):
    """The idempotency key was used before for a different request."""

    code = "conflict"


class IdempotencyKeyInvalid(SubmissionError):
    """The idempotency key is missing, too long or not printable: the caller sent a broken
    request (a page posted without its hidden field), not wrong answers."""

    code = "idempotency_key_invalid"


class LocationAmbiguous(SubmissionError):
    """The postcode covers several Gemeinden and none was chosen, or the place is unknown."""

    code = "validation_error"


class ReceiptUnavailable(SubmissionError):
    """The application was anonymised after its retention period: no receipt any more."""

    code = "not_found"

    def __init__(self, reference: str = ""):
        super().__init__(_("Für diesen Antrag gibt es keine Eingangsbestätigung mehr."))


class TrustLevelTooLow(SubmissionError):
    """The service asks for a BundID login at `required` (STORK level) and the applicant's
    login is below it (or there is none): nothing started or submitted; the page offers a
    login at that level (step-up)."""

    code = "trust_level_too_low"

    def __init__(self, required: int, current: int = 0):
        from openkommune.identity.selectors import level_name

        self.required = required
        self.current = current
        super().__init__(
            _(
                "Für diese Leistung ist eine Anmeldung mit Ihrem BundID-Konto auf dem "
                "Vertrauensniveau „%(level)s“ erforderlich."
            )
            % {"level": level_name(required)}
        )
