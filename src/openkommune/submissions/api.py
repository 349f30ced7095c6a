"""/api/v1/applications: submit an application with complete data, and read its status.

Who may read an application: the logged-in user who submitted it (session), or whoever
presents its status token (header `X-Status-Token`, returned once when an anonymous
application is created). Anyone else gets 404, as for a reference that does not exist.

The required `Idempotency-Key` header makes retries safe (same key and same body: the same
application, 200; without login only from the same session, so that a stolen key reveals
nothing) and also keeps the session-authenticated POST safe from cross-site
requests: an HTML form cannot set the header, and a cross-origin script needs a CORS
preflight the platform does not grant.
"""

import re
import secrets

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Status

from openkommune.core.api_policy import body_limit
from openkommune.core.errors import ApiError
from openkommune.core.read_cache import versions_pinned
from openkommune.core.schemas import ErrorOut
from openkommune.forms.models import FormVersion
from openkommune.forms.selectors import form_version_get_published_cached
from openkommune.submissions.constants import ApplicationStatus, EventKind
from openkommune.submissions.models import Application
from openkommune.submissions.schemas import (
    ApplicationCreatedOut,
    ApplicationIn,
    ApplicationOut,
    AuthorityOut,
    EventOut,
    FormRefOut,
    ServiceOut,
)
from openkommune.submissions.selectors import application_events, application_get_for_applicant
from openkommune.submissions.services import (
    IdempotencyConflict,
    IdempotencyKeyInvalid,
    LocationAmbiguous,
    ServiceNotOffered,
    SubmitInvalid,
    TrustLevelTooLow,
    application_status_token,
    application_status_url,
    application_submit_data,
    hooks,
    receipt_response,
)
from openkommune.submissions.services.submit import IDEMPOTENCY_KEY_MAX_LENGTH

router = Router(tags=["Anträge"])

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Visible ASCII, spaces only inside: what an HTTP header carries unchanged.
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]([ -~]*[!-~])?$"
STATUS_TOKEN_HEADER = "X-Status-Token"  # noqa: S105 - a header name, not a secret
# A form's data may hold many long texts (a textarea takes up to 10,000 characters).
APPLICATION_BODY_LIMIT = 1024 * 1024


_IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": True,
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH,
        "pattern": IDEMPOTENCY_KEY_PATTERN,
    },
    "description": (
        "Ein neuer, zufälliger Schlüssel je Antrag (z. B. eine UUID). Wiederholt der Client "
        "die Anfrage mit demselben Schlüssel und Inhalt, antwortet die Plattform mit "
        "demselben Antrag (200); mit anderem Inhalt mit 409. Schlüssel gelten je "
        "Antragsteller: angemeldet je Konto, ohne Anmeldung nur in derselben Sitzung "
        "(Cookie `sessionid` aus der Antwort mitsenden, die den Antrag angelegt hat); "
        "dieselbe Anfrage aus einer anderen Sitzung erhält 409 ohne Angaben zum Antrag."
    ),
}
_STATUS_TOKEN_PARAMETER = {
    "in": "header",
    "name": STATUS_TOKEN_HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": 200},
    "description": "Geheimer Schlüssel des Antrags (bei Anträgen ohne Anmeldung).",
}


def _idempotency_key(request) -> str:
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        raise ApiError(
            400,
            "idempotency_key_missing",
            _(
                "Die Kopfzeile Idempotency-Key fehlt. Bitte senden Sie mit jedem neuen Antrag "
                "einen neuen, zufälligen Schlüssel (z. B. eine UUID)."
            ),
        )
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key):
        raise ApiError(
            400,
            "idempotency_key_invalid",
            _(
                "Der Idempotency-Key besteht aus höchstens %(n)d sichtbaren ASCII-Zeichen "
                "(Buchstaben, Ziffern, Satzzeichen)."
            )
            % {"n": IDEMPOTENCY_KEY_MAX_LENGTH},
        )
    return key


# Session entry holding the anonymous API caller's secret (see `_anonymous_client_secret`).
_SESSION_ENTRY = "api_client_secret"


def _anonymous_client_secret(request) -> str:
    """For a caller without login: a secret only this client holds, kept in its session
    (cookie). A retry with the cookie is recognised; a replay of the same key and body by
    anyone else is a conflict (see `application_submit_data`). A caller without one gets a
    fresh secret, which is stored (and the session created) only when an application is
    created with it (`_remember_client_secret`): refused requests leave no session behind."""
    if request.user.is_authenticated:
        return ""
    return request.session.get(_SESSION_ENTRY) or secrets.token_urlsafe(32)


def _remember_client_secret(request, secret: str) -> None:
    if secret and request.session.get(_SESSION_ENTRY) != secret:
        request.session[_SESSION_ENTRY] = secret  # the response sets the cookie


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


def _receipt_url(request, application: Application) -> str:
    return request.build_absolute_uri(
        reverse("api-v1:application_receipt", kwargs={"reference": application.reference})
    )


def _fields(error: SubmitInvalid) -> dict[str, list[str]]:
    # Paths of the form's data live under `data` in the request body.
    if not error.data_paths:
        return error.fields
    return {f"data.{path}": messages for path, messages in error.fields.items()}


@router.post(
    "",
    response={
        200: ApplicationCreatedOut,
        201: ApplicationCreatedOut,
        400: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="Antrag einreichen",
    description=(
        "Reicht einen Antrag mit vollständigen Angaben ein; er wird sofort der für die "
        "Anschrift zuständigen Stelle zugestellt. 201 mit Aktenzeichen; 200, wenn derselbe "
        "`Idempotency-Key` schon zu diesem Antrag geführt hat; 409 bei anderem Inhalt; 422 "
        "mit `fields` (Pfade in `data`) bei ungültigen Angaben oder mit dem Code "
        "`service_not_offered`, wenn die Leistung dort nicht online angeboten wird; 404 für "
        "ein unbekanntes Formular oder eine unbekannte Version. Kostet die Leistung eine "
        "Gebühr, die beim Absenden zu zahlen ist, wird sie nie als bezahlt angenommen: "
        "`payment` nennt Betrag, Kassenzeichen und `pay_url` (Status `open`); positiv "
        "entschieden wird erst nach dem Zahlungseingang."
    ),
    openapi_extra={"parameters": [_IDEMPOTENCY_PARAMETER]},
)
@body_limit(APPLICATION_BODY_LIMIT)
def submit_application(request, payload: ApplicationIn):
    # The form version and the route come from the read cache, checked against one read of
    # the data versions.
    with versions_pinned():
        return _submit_application(request, payload)


def _submit_application(request, payload: ApplicationIn):
    key = _idempotency_key(request)
    try:
        version = form_version_get_published_cached(key=payload.form, number=payload.version)
    except FormVersion.DoesNotExist:
        raise ApiError(
            404, "form_not_found", _("Dieses Formular oder diese Version gibt es nicht.")
        ) from None
    client_secret = _anonymous_client_secret(request)
    try:
        application = application_submit_data(
            actor=request.user,
            form_version=version,
            data=payload.data,
            idempotency_key=key,
            postcode=payload.postcode,
            gemeinde_ars=payload.gemeinde_ars,
            email=payload.email,
            client_secret=client_secret,
            base_url=_base_url(request),
        )
    except IdempotencyKeyInvalid as error:
        raise ApiError(400, "idempotency_key_invalid", error.message) from None
    except IdempotencyConflict as error:
        raise ApiError(409, "idempotency_conflict", error.message) from None
    except TrustLevelTooLow as error:
        # The API carries no BundID login; such a service is applied for in the browser.
        raise ApiError(422, "trust_level_too_low", error.message) from None
    except ServiceNotOffered as error:
        raise ApiError(422, "service_not_offered", error.message) from None
    except LocationAmbiguous as error:
        raise ApiError(422, "location_invalid", error.message, error.fields) from None
    except SubmitInvalid as error:
        raise ApiError(422, "validation_error", error.message, _fields(error)) from None
    if application.created_now:
        _remember_client_secret(request, client_secret)
    # A fee due at the submit cannot be collected before an API submit: the payments app
    # claims it now (pay link in `payment`); the authority decides positively only once paid.
    payment = hooks.api_submitted(application, base_url=_base_url(request))
    out = ApplicationCreatedOut(
        reference=application.reference,
        status=application.status,
        status_label=str(ApplicationStatus(application.status).label),
        submitted_at=application.submitted_at,
        status_url=application_status_url(application, base_url=_base_url(request)),
        status_token=application_status_token(application),
        receipt_url=_receipt_url(request, application),
        payment=payment,
    )
    return Status(201 if application.created_now else 200, out)


def _authorised(request, reference: str) -> Application:
    try:
        return application_get_for_applicant(
            reference=reference,
            user=request.user,
            token=request.headers.get(STATUS_TOKEN_HEADER),
        )
    except Application.DoesNotExist:
        raise Http404 from None


@router.get(
    "/{reference}",
    response={200: ApplicationOut, 404: ErrorOut},
    summary="Stand eines Antrags",
    description=(
        "Stand und Verlauf eines Antrags für seine Antragstellerin oder seinen Antragsteller: "
        "angemeldet (Sitzung) oder mit der Kopfzeile `X-Status-Token`. Für alle anderen 404."
    ),
    openapi_extra={"parameters": [_STATUS_TOKEN_PARAMETER]},
)
def get_application(request, reference: str):
    application = _authorised(request, reference)
    authority = application.authority or {}
    return ApplicationOut(
        reference=application.reference,
        status=application.status,
        status_label=str(ApplicationStatus(application.status).label),
        submitted_at=application.submitted_at,
        service=ServiceOut(
            ozg_id=application.ozg_leistung.ozg_id, name=application.ozg_leistung.name
        ),
        form=FormRefOut(
            key=application.form_version.form.key, version=application.form_version.number
        ),
        authority=AuthorityOut(
            name=authority.get("name", ""),
            address=authority.get("address", ""),
            email=authority.get("email", ""),
            phone=authority.get("phone", ""),
        ),
        events=[
            EventOut(
                kind=event.kind,
                label=str(EventKind(event.kind).label),
                at=event.at,
                note=event.note,
            )
            for event in application_events(application=application)
        ],
        receipt_url=_receipt_url(request, application),
        payment=hooks.application_payment(application, base_url=_base_url(request)),
    )


@router.get(
    "/{reference}/receipt",
    response={200: None, 404: ErrorOut},
    url_name="application_receipt",
    summary="Eingangsbestätigung (PDF)",
    description="Die Eingangsbestätigung des Antrags, wie er eingereicht wurde: beim ersten "
    "Abruf erzeugt und gespeichert, danach unverändert. Zugriff wie beim Stand des Antrags.",
    openapi_extra={
        "parameters": [_STATUS_TOKEN_PARAMETER],
        # int key: merged into the operation's own responses, which ninja keys by int.
        "responses": {
            200: {
                "description": "PDF/UA-Dokument",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
    },
)
def get_receipt(request, reference: str) -> HttpResponse:
    return receipt_response(_authorised(request, reference))
