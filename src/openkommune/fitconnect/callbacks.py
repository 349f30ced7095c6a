"""FIT-Connect callbacks: the platform tells a subscriber that a submission is ready.

As FITKO documents it (docs/fit-connect.md, "Callbacks"): an HTTPS POST of a JSON body of type
`.../callbacks/new-submissions` with the headers `callback-timestamp` (Unix seconds) and
`callback-authentication`: the HMAC-SHA512, hex, keyed with the destination's callback secret,
over the UTF-8 bytes of `<timestamp>.<body>`. Receivers must compare in constant time and
refuse a timestamp more than five minutes old. A callback the receiver does not answer with
2xx is retried through the job queue with growing pauses, `MAX_ATTEMPTS` times in all; each
attempt is signed afresh (a new timestamp), so a retry is never a replay.
"""

import datetime
import hashlib
import hmac
import json
import logging
import secrets
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.core.jobs import enqueue, enqueue_on_commit
from openkommune.fitconnect.models import Destination, DestinationCallback, Submission
from openkommune.tenancy.scoping import scopes_disabled
from openkommune.tenancy.services import audit_record

logger = logging.getLogger(__name__)

SEND_JOB = "fitconnect.send_callback"
CALLBACK_TYPE = "https://schema.fitko.de/fit-connect/submission-api/callbacks/new-submissions"
MAX_ATTEMPTS = 6
# Pause before attempt n+1 (after attempt n failed): 1, 2, 4, 8, 16 minutes.
FIRST_PAUSE = datetime.timedelta(minutes=1)
TIMEOUT_SECONDS = 10
MAX_SKEW_SECONDS = 300
MIN_SECRET_LENGTH = 32
MAX_SECRET_LENGTH = 200


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """FIT-Connect's `callback-authentication` value for `body` sent at `timestamp`."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha512).hexdigest()


def callback_body(submission: Submission) -> bytes:
    submission_id = str(submission.submission_id)
    payload = {
        "type": CALLBACK_TYPE,
        # Deprecated by FITKO in favour of `submissions`, still sent for older clients.
        "submissionIds": [submission_id],
        "submissions": [
            {
                "destinationId": str(submission.destination.destination_id),
                "submissionId": submission_id,
                "caseId": str(submission.case_id),
            }
        ],
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def check_url(url: str) -> str:
    """The callback URL, or ValueError with a German message. HTTPS only, as FIT-Connect
    requires; plain HTTP only where FITCONNECT_CALLBACK_ALLOW_HTTP is set (tests)."""
    parts = urlsplit(url or "")
    allowed = {"https"} | ({"http"} if settings.FITCONNECT_CALLBACK_ALLOW_HTTP else set())
    if parts.scheme not in allowed or not parts.hostname:
        raise ValueError(_("Die Callback-URL muss mit https:// beginnen."))
    if len(url) > 500:
        raise ValueError(_("Die Callback-URL ist zu lang (höchstens 500 Zeichen)."))
    return url


def set_callback(
    destination: Destination, url: str, secret: str | None = None, *, actor=None, via: str = ""
) -> str:
    """Set (or replace) the destination's callback; returns the secret (made if not given).
    Setting it again with the same URL is how the secret is rotated. Audited without the
    secret."""
    url = check_url(url)
    if secret is None:
        secret = secrets.token_urlsafe(48)
    elif not isinstance(secret, str) or not MIN_SECRET_LENGTH <= len(secret) <= MAX_SECRET_LENGTH:
        raise ValueError(
            _("Das Callback-Secret muss %(min)s bis %(max)s Zeichen lang sein.")
            % {"min": MIN_SECRET_LENGTH, "max": MAX_SECRET_LENGTH}
        )
    with transaction.atomic():
        previous = DestinationCallback.objects.filter(destination=destination).first()
        DestinationCallback.objects.update_or_create(
            destination=destination, defaults={"url": url, "secret": secret}
        )
        audit_record(
            tenant=destination.tenant,
            actor=actor,
            action="fitconnect_callback.set",
            obj=destination,
            before={"url": previous.url} if previous else None,
            after={"url": url, "new_secret": True, **({"client": via} if via else {})},
        )
    return secret


def remove_callback(destination: Destination, *, actor=None, via: str = "") -> bool:
    with transaction.atomic():
        previous = DestinationCallback.objects.filter(destination=destination).first()
        if previous is None:
            return False
        previous.delete()
        audit_record(
            tenant=destination.tenant,
            actor=actor,
            action="fitconnect_callback.remove",
            obj=destination,
            before={"url": previous.url},
            after={"client": via} if via else None,
        )
    return True


def notify_new_submission(submission: Submission) -> None:
    """Queue the callback for a submission that has just been submitted (in its transaction)."""
    if DestinationCallback.objects.filter(destination_id=submission.destination_id).exists():
        enqueue_on_commit(SEND_JOB, submission_id=str(submission.submission_id), attempt=1)


def send(*, submission_id: str, attempt: int) -> str:
    """One attempt (the job's body); queues the next one on failure."""
    with scopes_disabled():
        submission = Submission.objects.select_related("destination").get(
            submission_id=submission_id
        )
        callback = DestinationCallback.objects.filter(
            destination_id=submission.destination_id
        ).first()
    if callback is None:
        return "no callback"
    body = callback_body(submission)
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "callback-timestamp": str(timestamp),
        "callback-authentication": sign(callback.secret, timestamp, body),
    }
    try:
        response = requests.post(
            callback.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
        failure = "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    except requests.RequestException as error:
        failure = type(error).__name__
    now = timezone.now()
    if not failure:
        DestinationCallback.objects.filter(pk=callback.pk).update(last_success_at=now)
        return "delivered"
    DestinationCallback.objects.filter(pk=callback.pk).update(
        last_failure_at=now, last_failure=f"{failure} (Versuch {attempt})"[:500]
    )
    logger.warning(
        "fitconnect callback for submission %s failed (%s), attempt %s of %s",
        submission_id,
        failure,
        attempt,
        MAX_ATTEMPTS,
    )
    if attempt >= MAX_ATTEMPTS:
        return f"given up: {failure}"
    pause = FIRST_PAUSE * (2 ** (attempt - 1))
    enqueue(SEND_JOB, submission_id=submission_id, attempt=attempt + 1, run_after=now + pause)
    return f"retry: {failure}"
