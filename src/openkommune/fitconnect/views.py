"""HTTP endpoints of the FIT-Connect-compatible Submission API under /fit-connect/
(docs/fit-connect.md). Plain Django views: the API speaks `application/jose` bodies and
RFC 7807 problems, which /api/v1 (django-ninja) does not; its contract is FITKO's.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from openkommune.fitconnect import jose, selectors, services
from openkommune.fitconnect.constants import EVENT_LOG_VERSIONS, METADATA_VERSIONS, KeyUse
from openkommune.fitconnect.services import Problem

JOSE = "application/jose"


def _problem(problem: Problem) -> JsonResponse:
    response = JsonResponse(problem.as_dict(), status=problem.status)
    response["Content-Type"] = "application/problem+json"
    if problem.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="fit-connect"'
    return response


def endpoint(methods: dict):
    """Dispatch by method; German texts; every Problem becomes problem+json."""

    @csrf_exempt
    def view(request, **kwargs):
        handler = methods.get(request.method)
        if handler is None:
            response = _problem(Problem(405, "method-not-allowed", "Method Not Allowed"))
            response["Allow"] = ", ".join(methods)
            return response
        with translation.override("de"):
            try:
                return handler(request, **kwargs)
            except Problem as problem:
                return _problem(problem)

    view.methods = tuple(methods)
    return view


def _issuer(request) -> str:
    return settings.FITCONNECT_ISSUER or request.build_absolute_uri("/fit-connect")


def _caller(request) -> services.Caller:
    return services.authenticate(request.headers.get("Authorization"))


def _read_body(request, *, limit: int, content_type: str) -> bytes:
    if request.content_type != content_type:
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported Media Type",
            _("Erwartet wird %(type)s.") % {"type": content_type},
        )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise Problem(
            413,
            "payload-too-large",
            "Payload Too Large",
            _("Höchstens %(limit)s Byte.") % {"limit": limit},
        )
    # Read the stream ourselves: request.body stops at DATA_UPLOAD_MAX_MEMORY_SIZE.
    data = request.read(limit + 1)
    if len(data) > limit:
        raise Problem(413, "payload-too-large", "Payload Too Large")
    return data


def _json_body(request):
    raw = _read_body(
        request, limit=settings.FITCONNECT_MAX_BODY_BYTES, content_type="application/json"
    )
    try:
        return json.loads(raw)
    except ValueError:
        raise services.bad_request(_("Der Inhalt ist kein JSON.")) from None


def _jose_body(request, limit: int) -> str:
    raw = _read_body(request, limit=limit, content_type=JOSE)
    try:
        return raw.decode("ascii").strip()
    except UnicodeDecodeError:
        raise services.bad_request(_("Ein JOSE-Objekt besteht nur aus ASCII.")) from None


def _ids(submission) -> dict:
    return {
        "destinationId": str(submission.destination.destination_id),
        "submissionId": str(submission.submission_id),
        "caseId": str(submission.case_id),
    }


# --- OAuth2 -------------------------------------------------------------------------------


@csrf_exempt
def token(request):
    """RFC 6749 client credentials; credentials in the form body or HTTP Basic."""
    if request.method != "POST":
        return JsonResponse({"error": "invalid_request"}, status=405)
    if request.POST.get("grant_type") != "client_credentials":
        return JsonResponse({"error": "unsupported_grant_type"}, status=400)
    client_id = request.POST.get("client_id", "")
    client_secret = request.POST.get("client_secret", "")
    basic = request.headers.get("Authorization", "")
    if basic.lower().startswith("basic "):
        import base64
        import binascii
        from urllib.parse import unquote

        try:
            decoded = base64.b64decode(basic[6:].strip()).decode()
            client_id, _sep, client_secret = decoded.partition(":")
            client_id, client_secret = unquote(client_id), unquote(client_secret)
        except (binascii.Error, UnicodeDecodeError):
            return JsonResponse({"error": "invalid_client"}, status=401)
    try:
        issued = services.issue_token(
            client_id=client_id, client_secret=client_secret, scope_param=request.POST.get("scope")
        )
    except Problem as problem:
        return JsonResponse({"error": problem.slug}, status=problem.status)
    response = JsonResponse(
        {
            "access_token": issued.access_token,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
            "scope": " ".join(issued.scopes),
        }
    )
    response["Cache-Control"] = "no-store"
    return response


token.methods = ("POST",)


def _jwks(request):
    return JsonResponse(jose.platform_public_jwks())


jwks = endpoint({"GET": _jwks})


def _data_schema(request, form_key, number):
    """The JSON Schema of a published form version's data: the `submissionSchema` of the
    platform's own applications (intake.py). Public, like FITKO's schema repository."""
    response = JsonResponse(services.published_data_schema(form_key, number))
    response["Content-Type"] = "application/schema+json"
    return response


data_schema = endpoint({"GET": _data_schema})


# --- destinations -----------------------------------------------------------------------


def _destination_body(destination) -> dict:
    key = destination.active_key(KeyUse.ENCRYPTION)
    return {
        "destinationId": str(destination.destination_id),
        "status": destination.status,
        "services": [
            {
                "identifier": identifier,
                "submissionSchemas": destination.submission_schemas,
                "regions": destination.regions,
            }
            for identifier in destination.services
        ],
        "encryptionKid": key.kid if key else None,
        "metadataVersions": METADATA_VERSIONS,
        "eventLogVersions": EVENT_LOG_VERSIONS,
        "callbackVersions": [],
        "replyChannels": {},
    }


def _get_destination(request, destination_id):
    return JsonResponse(_destination_body(services.destination_for(None, destination_id)))


def _patch_destination(request, destination_id):
    """The destination's subscriber sets its callback (url and its own secret, never read
    back) or its status."""
    caller = _caller(request)
    destination = services.update_destination(caller, destination_id, _json_body(request))
    body = _destination_body(destination)
    found = selectors.callback_of(destination)
    body["callback"] = {"url": found.url} if found else None
    return JsonResponse(body)


def _get_key(request, destination_id, kid):
    destination = services.destination_for(None, destination_id)
    return JsonResponse(services.destination_key(destination, kid).jwk)


destination = endpoint({"GET": _get_destination, "PATCH": _patch_destination})
destination_key = endpoint({"GET": _get_key})


# --- submissions ------------------------------------------------------------------------


def _create(request):
    caller = _caller(request)
    submission = services.announce(caller, _json_body(request), issuer=_issuer(request))
    return JsonResponse(_ids(submission), status=201)


def _list(request):
    caller = _caller(request)
    return JsonResponse(
        services.submissions_for_pickup(
            caller,
            destination_id=request.GET.get("destinationId"),
            limit=request.GET.get("limit"),
            offset=request.GET.get("offset"),
        )
    )


def _submit(request, submission_id):
    caller = _caller(request)
    submission = services.submit(
        caller, submission_id, _json_body(request), issuer=_issuer(request)
    )
    return JsonResponse(_ids(submission), status=202)


def _get(request, submission_id):
    caller = _caller(request)
    submission = services.submission_for_subscriber(caller, submission_id)
    body = {
        **_ids(submission),
        "serviceType": {
            "identifier": submission.service_identifier,
            **({"name": submission.service_name} if submission.service_name else {}),
        },
        "attachments": list(submission.announced_attachments),
        "encryptedMetadata": submission.encrypted_metadata,
    }
    if submission.encrypted_data:
        body["encryptedData"] = submission.encrypted_data
    return JsonResponse(body)


def _put_attachment(request, submission_id, attachment_id):
    caller = _caller(request)
    body = _jose_body(request, settings.FITCONNECT_MAX_ATTACHMENT_BYTES)
    services.upload_attachment(caller, submission_id, attachment_id, body)
    return HttpResponse(status=204)


def _get_attachment(request, submission_id, attachment_id):
    caller = _caller(request)
    attachment = services.attachment_for_subscriber(caller, submission_id, attachment_id)
    return HttpResponse(attachment.ciphertext, content_type=JOSE)


def _events(request, case_id):
    caller = _caller(request)
    return JsonResponse({"eventLog": services.event_log(caller, case_id)})


def _submission_events(request, submission_id):
    caller = _caller(request)
    return JsonResponse({"eventLog": services.submission_event_log(caller, submission_id)})


def _post_event(request, case_id):
    caller = _caller(request)
    body = _jose_body(request, settings.FITCONNECT_MAX_BODY_BYTES)
    services.post_event(caller, case_id, body)
    return HttpResponse(status=204)


submissions = endpoint({"POST": _create, "GET": _list})
submission = endpoint({"PUT": _submit, "GET": _get})
attachment = endpoint({"PUT": _put_attachment, "GET": _get_attachment})
events = endpoint({"GET": _events, "POST": _post_event})
submission_events = endpoint({"GET": _submission_events})
