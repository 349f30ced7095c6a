from django.utils.translation import gettext_lazy as _

from openkommune.core.errors import DomainError


class PaymentError(DomainError):
    code = "payment_error"


class PaymentUnavailable(PaymentError):
    """The member's Bezahldienst cannot be reached or refused the request: nothing is lost,
    the draft stays and can be paid later."""

    code = "payment_unavailable"

    def __init__(self, message=None):
        super().__init__(
            message
            or _(
                "Der Bezahldienst ist gerade nicht erreichbar. Ihr Antrag ist gespeichert und "
                "noch nicht abgesendet; es wurde nichts abgebucht. Bitte versuchen Sie es in "
                "einigen Minuten noch einmal."
            )
        )


class PaymentNotConfigured(PaymentError):
    code = "payment_not_configured"

    def __init__(self):
        super().__init__(
            _(
                "Die Gebühr kann für diese Stelle noch nicht online bezahlt werden. Bitte "
                "wenden Sie sich an die zuständige Stelle."
            )
        )
