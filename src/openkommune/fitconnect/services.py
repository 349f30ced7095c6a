"""The FIT-Connect Submission API's domain: destinations, clients, tokens, submissions and
their event log. Every refusal is a `Problem` (RFC 7807) raised before anything is written;
the views turn it into `application/problem+json`.

Access: the credential decides. A client authenticates with its token; what it may touch
follows from its scopes (FIT-Connect's `send:region:…`, `send:destination:…`,
`subscribe:destination:…`), never from a tenant scope of the request. The reads across
members that this needs run in `scopes_disabled()` here and nowhere else in the app.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.core.jobs import enqueue_on_commit
from openkommune.core.read_cache import Topic, data_changed
from openkommune.fitconnect import callbacks, jose
from openkommune.fitconnect.constants import (
    EVENT_ACCEPT,
    EVENT_BASE,
    EVENT_CREATE,
    EVENT_REJECT,
    EVENT_SUBMIT,
    LEIKA_URN_PREFIX,
    PROBLEM_BASE,
    SCOPE_SEND_DESTINATION,
    SCOPE_SEND_REGION,
    SCOPE_SUBSCRIBE_DESTINATION,
    SET_PAYLOAD_SCHEMA,
    SUBSCRIBER_EVENTS,
    ClientRole,
    DestinationStatus,
    KeyUse,
    SubmissionStatus,
)
from openkommune.fitconnect.models import (
    AccessToken,
    Attachment,
    Client,
    Destination,
    DestinationKey,
    Event,
    Submission,
)
from openkommune.forms.models import FORM_KEY_REGEX, FormVersion
from openkommune.forms.selectors import form_version_get
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scope, scopes_disabled
from openkommune.tenancy.services import audit_record, snapshot

LEIKA_KEY_LENGTH = 14
PAGE_LIMIT_MAX = 500
PAGE_LIMIT_DEFAULT = 100
# The job that takes a submission to an inbox destination into the back office (tasks.py).
INBOX_IMPORT_JOB = "fitconnect.import_to_inbox"


@dataclass
class Problem(Exception):
    """An RFC 7807 problem with a FIT-Connect problem type."""

    status: int
    slug: str
    title: str
    detail: str = ""
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        body = {"type": PROBLEM_BASE + self.slug, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        body.update(self.extra)
        return body


def bad_request(detail: str) -> Problem:
    return Problem(400, "invalid-request", "Bad Request", str(detail))


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def leika_urn(key: str) -> str:
    key = (key or "").strip()
    if key.startswith(LEIKA_URN_PREFIX):
        key = key[len(LEIKA_URN_PREFIX) :]
    if not (key.isdigit() and len(key) == LEIKA_KEY_LENGTH):
        raise ValueError(_("Ein LeiKa-Schlüssel hat 14 Ziffern: %(key)s") % {"key": key})
    return LEIKA_URN_PREFIX + key


# --- destinations and clients (member administration, CLI) -----------------------------

DESTINATION_FIELDS = ("destination_id", "status", "services", "regions")


def member_by_ars(ars: str) -> Organisation:
    member = Organisation.objects.filter(region_ars=ars, is_cooperative=False).first()
    if member is None:
        raise ValueError(_("Kein Mitglied mit dem Regionalschlüssel %(ars)s.") % {"ars": ars})
    return member


@transaction.atomic
def create_destination(
    *,
    tenant: Organisation,
    leika_keys: list[str],
    encryption_jwk: dict,
    signature_jwk: dict | None = None,
    submission_schemas: list[dict] | None = None,
    actor=None,
) -> Destination:
    """A destination of the member for the given services; the keys are checked first
    (jose.JoseError, ValueError with a German message) and nothing is stored on refusal."""
    services = sorted({leika_urn(key) for key in leika_keys})
    if not services:
        raise ValueError(_("Mindestens eine Leistung (LeiKa-Schlüssel) ist nötig."))
    encryption = jose.check_encryption_jwk(encryption_jwk)
    signature = jose.check_signature_jwk(signature_jwk) if signature_jwk is not None else None
    if signature is not None and signature["kid"] == encryption["kid"]:
        raise ValueError(_("Verschlüsselungs- und Signaturschlüssel brauchen verschiedene kid."))
    regions = [f"DE{tenant.region_ars}"] if tenant.region_ars else ["DE"]
    with scope(tenant=tenant):
        destination = Destination.objects.create(
            tenant=tenant,
            services=services,
            regions=regions,
            submission_schemas=submission_schemas or [],
        )
    DestinationKey.objects.create(
        destination=destination, kid=encryption["kid"], use=KeyUse.ENCRYPTION, jwk=encryption
    )
    if signature is not None:
        DestinationKey.objects.create(
            destination=destination, kid=signature["kid"], use=KeyUse.SIGNATURE, jwk=signature
        )
    # The route of the platform's own applications changes (intake.route_for is cached).
    data_changed(Topic.ORGANISATIONS)
    audit_record(
        tenant=tenant,
        actor=actor,
        action="fitconnect_destination.create",
        obj=destination,
        after={
            **snapshot(destination, DESTINATION_FIELDS),
            "keys": [encryption["kid"], *([signature["kid"]] if signature else [])],
        },
    )
    return destination


@transaction.atomic
def rotate_key(*, destination: Destination, use: str, public_jwk: dict, actor=None) -> None:
    """A new public key for `use`; the previous one stays readable by kid but is retired."""
    checked = (
        jose.check_encryption_jwk(public_jwk)
        if use == KeyUse.ENCRYPTION
        else jose.check_signature_jwk(public_jwk)
    )
    if destination.keys.filter(kid=checked["kid"]).exists():
        raise ValueError(_("Diese Schlüssel-ID (kid) gab es bei dem Zustellpunkt schon."))
    now = timezone.now()
    retired = list(destination.keys.filter(use=use, retired_at__isnull=True))
    destination.keys.filter(use=use, retired_at__isnull=True).update(retired_at=now)
    DestinationKey.objects.create(destination=destination, kid=checked["kid"], use=use, jwk=checked)
    audit_record(
        tenant=destination.tenant,
        actor=actor,
        action="fitconnect_destination.rotate_key",
        obj=destination,
        before={"use": use, "kids": [key.kid for key in retired]},
        after={"use": use, "kids": [checked["kid"]]},
    )


@dataclass(frozen=True)
class CreatedClient:
    client: Client
    secret: str


@transaction.atomic
def create_client(
    *, tenant: Organisation, role: str, destination: Destination | None = None, actor=None
) -> CreatedClient:
    """An API client of the member. A subscriber may pick up from the member's destination
    (one, or all the member has now); a sender may send to one destination or, without one,
    to every destination in Germany (`send:region:DE`, as FIT-Connect's online services)."""
    if role not in ClientRole.values:
        raise ValueError(_("Die Rolle ist sender oder subscriber."))
    if destination is not None and destination.tenant_id != tenant.pk:
        raise ValueError(_("Der Zustellpunkt gehört nicht zu diesem Mitglied."))
    if role == ClientRole.SUBSCRIBER:
        if destination is not None:
            destinations = [destination]
        else:
            with scope(tenant=tenant):
                destinations = list(Destination.objects.all())
        if not destinations:
            raise ValueError(_("Das Mitglied hat noch keinen Zustellpunkt."))
        scopes = [f"{SCOPE_SUBSCRIBE_DESTINATION}{d.destination_id}" for d in destinations]
    elif destination is not None:
        scopes = [f"{SCOPE_SEND_DESTINATION}{destination.destination_id}"]
    else:
        scopes = [f"{SCOPE_SEND_REGION}DE"]
    secret = secrets.token_urlsafe(32)
    with scope(tenant=tenant):
        client = Client.objects.create(
            tenant=tenant, role=role, scopes=scopes, secret_sha256=_sha256(secret)
        )
    audit_record(
        tenant=tenant,
        actor=actor,
        action="fitconnect_client.create",
        obj=client,
        after=snapshot(client, ("client_id", "role", "scopes")),
    )
    return CreatedClient(client, secret)


@transaction.atomic
def revoke_client(*, client_id: str, actor=None) -> Client:
    """Revoke a client: its tokens stop working at once, it gets no new ones."""
    try:
        cid = uuid.UUID(str(client_id))
    except ValueError:
        cid = None
    with scopes_disabled():
        client = Client.objects.filter(client_id=cid).first() if cid else None
    if client is None:
        raise ValueError(_("Keinen Client %(id)s gefunden.") % {"id": client_id})
    if client.revoked_at is not None:
        raise ValueError(_("Der Client ist schon widerrufen."))
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    client.tokens.all().delete()
    audit_record(
        tenant=client.tenant,
        actor=actor,
        action="fitconnect_client.revoke",
        obj=client,
        before={"revoked_at": None},
        after={"revoked_at": client.revoked_at.isoformat()},
    )
    return client


# --- OAuth2 client credentials ---------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scopes: list[str]


def issue_token(*, client_id: str, client_secret: str, scope_param: str | None) -> IssuedToken:
    """RFC 6749 4.4. Raises Problem; the view maps it to the OAuth2 error shape."""
    try:
        client_uuid = uuid.UUID(str(client_id))
    except ValueError:
        client_uuid = None
    with scopes_disabled():
        client = (
            Client.objects.filter(client_id=client_uuid, revoked_at__isnull=True).first()
            if client_uuid
            else None
        )
    # Constant-time comparison even for an unknown client.
    stored = client.secret_sha256 if client else "0" * 64
    if not hmac.compare_digest(_sha256(client_secret or ""), stored) or client is None:
        raise Problem(401, "invalid_client", "invalid_client")
    requested = (scope_param or "").split()
    if requested and not set(requested) <= set(client.scopes):
        raise Problem(400, "invalid_scope", "invalid_scope")
    granted = requested or list(client.scopes)
    token = secrets.token_urlsafe(32)
    lifetime = settings.FITCONNECT_TOKEN_SECONDS
    AccessToken.objects.create(
        client=client,
        token_sha256=_sha256(token),
        scopes=granted,
        expires_at=timezone.now() + datetime.timedelta(seconds=lifetime),
    )
    return IssuedToken(token, lifetime, granted)


def prune_expired_tokens() -> int:
    """Delete access tokens that expired more than an hour ago (the job workers' schedule)."""
    cutoff = timezone.now() - datetime.timedelta(hours=1)
    deleted, _by_model = AccessToken.objects.filter(expires_at__lt=cutoff).delete()
    return deleted


@dataclass(frozen=True)
class Caller:
    client: Client
    scopes: frozenset[str]

    @property
    def is_subscriber(self) -> bool:
        return self.client.role == ClientRole.SUBSCRIBER

    def subscribed_destination_ids(self) -> set[str]:
        return {
            s[len(SCOPE_SUBSCRIBE_DESTINATION) :]
            for s in self.scopes
            if s.startswith(SCOPE_SUBSCRIBE_DESTINATION)
        }

    def may_subscribe(self, destination: Destination) -> bool:
        return self.is_subscriber and str(destination.destination_id) in (
            self.subscribed_destination_ids()
        )

    def may_send(self, destination: Destination) -> bool:
        if self.client.role != ClientRole.SENDER:
            return False
        if f"{SCOPE_SEND_DESTINATION}{destination.destination_id}" in self.scopes:
            return True
        regions = [
            s[len(SCOPE_SEND_REGION) :] for s in self.scopes if s.startswith(SCOPE_SEND_REGION)
        ]
        return any(r.startswith(prefix) for r in destination.regions for prefix in regions)


def authenticate(authorization: str | None) -> Caller:
    scheme, _sep, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "unauthorized", "Unauthorized", _("Ein Bearer-Token fehlt."))
    row = (
        AccessToken.objects.select_related("client")
        .filter(token_sha256=_sha256(token.strip()))
        .first()
    )
    if row is None or row.client.revoked_at is not None:
        raise Problem(401, "unauthorized", "Unauthorized", _("Das Token ist ungültig."))
    if row.expires_at <= timezone.now():
        raise Problem(401, "unauthorized", "Unauthorized", _("Das Token ist abgelaufen."))
    return Caller(row.client, frozenset(row.scopes))


# --- reads -------------------------------------------------------------------------------


def _uuid(value, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise bad_request(_("%(what)s ist keine UUID.") % {"what": what}) from None


def destination_for(caller: Caller, destination_id) -> Destination:
    """Any authenticated client may read a destination (FIT-Connect: public information)."""
    del caller
    did = _uuid(destination_id, "destinationId")
    with scopes_disabled():
        destination = Destination.objects.filter(destination_id=did).first()
    if destination is None:
        raise Problem(404, "destination-not-found", "Destination not found")
    return destination


def update_destination(caller: Caller, destination_id, body) -> Destination:
    """FIT-Connect's `PATCH /v1/destinations/{destinationId}` for the destination's own
    subscriber: `callback` ({"url", "secret"} to set, null to remove; the secret is chosen
    by the client, written but never read back) and `status` (active or inactive). Anything
    else is refused; nothing is changed on refusal."""
    destination = destination_for(caller, destination_id)
    if not caller.may_subscribe(destination):
        raise Problem(
            403,
            "forbidden",
            "Forbidden",
            _("Nur ein Subscriber dieses Zustellpunkts ändert ihn."),
        )
    if not isinstance(body, dict) or not body:
        raise bad_request(_("Erwartet wird ein JSON-Objekt mit callback und/oder status."))
    unknown = sorted(set(body) - {"callback", "status"})
    if unknown:
        raise Problem(
            422,
            "unprocessable-entity",
            "Unprocessable Entity",
            _("Über diese Schnittstelle änderbar sind nur callback und status, nicht: %(names)s")
            % {"names": ", ".join(unknown)},
        )
    status = body.get("status", destination.status)
    if status not in DestinationStatus.values:
        raise bad_request(_("status ist active oder inactive."))
    callback = body.get("callback", ...)
    if callback is not ... and destination.inbox:
        raise Problem(
            422,
            "unprocessable-entity",
            "Unprocessable Entity",
            _("Ein Posteingang der Plattform braucht keinen Callback."),
        )
    if callback is not ... and callback is not None:
        if (
            not isinstance(callback, dict)
            or set(callback) - {"url", "secret"}
            or not isinstance(callback.get("url"), str)
            or not isinstance(callback.get("secret"), str)
        ):
            raise bad_request(_("callback ist ein Objekt mit url und secret (Texte)."))
        try:
            callbacks.check_url(callback["url"])
            if not (
                callbacks.MIN_SECRET_LENGTH
                <= len(callback["secret"])
                <= callbacks.MAX_SECRET_LENGTH
            ):
                raise ValueError(
                    _("Das Callback-Secret muss %(min)s bis %(max)s Zeichen lang sein.")
                    % {"min": callbacks.MIN_SECRET_LENGTH, "max": callbacks.MAX_SECRET_LENGTH}
                )
        except ValueError as error:
            raise Problem(422, "unprocessable-entity", "Unprocessable Entity", str(error)) from None
    with transaction.atomic():
        via = str(caller.client.client_id)
        if callback is None:
            callbacks.remove_callback(destination, via=via)
        elif callback is not ...:
            callbacks.set_callback(destination, callback["url"], callback["secret"], via=via)
        if status != destination.status:
            before = destination.status
            destination.status = status
            destination.save(update_fields=["status"])
            data_changed(Topic.ORGANISATIONS)
            audit_record(
                tenant=destination.tenant,
                actor=None,
                action="fitconnect_destination.status",
                obj=destination,
                before={"status": before},
                after={"status": status, "client": str(caller.client.client_id)},
            )
    return destination


def destination_key(destination: Destination, kid: str) -> DestinationKey:
    key = destination.keys.filter(kid=kid).first()
    if key is None:
        raise Problem(404, "key-not-found", "Key not found")
    return key


def _submission(submission_id) -> Submission:
    sid = _uuid(submission_id, "submissionId")
    with scopes_disabled():
        found = Submission.objects.select_related("destination").filter(submission_id=sid).first()
    if found is None:
        raise Problem(404, "submission-not-found", "Submission not found")
    return found


def published_data_schema(form_key: str, number: int) -> dict:
    """The JSON Schema of a published (or retired) form version's data."""
    if not re.fullmatch(FORM_KEY_REGEX, form_key or ""):
        raise Problem(404, "schema-not-found", "Schema not found")
    try:
        version = form_version_get(key=form_key, number=number, published_only=True)
    except FormVersion.DoesNotExist:
        raise Problem(404, "schema-not-found", "Schema not found") from None
    return version.data_schema or {}


def submission_for_sender(caller: Caller, submission_id) -> Submission:
    found = _submission(submission_id)
    if found.sender_id != caller.client.pk:
        # Not 403: a client must not learn that another client's submission exists.
        raise Problem(404, "submission-not-found", "Submission not found")
    return found


def submission_for_subscriber(caller: Caller, submission_id) -> Submission:
    found = _submission(submission_id)
    if not caller.may_subscribe(found.destination) or found.status == SubmissionStatus.INCOMPLETE:
        raise Problem(404, "submission-not-found", "Submission not found")
    return found


def submissions_for_pickup(caller: Caller, *, destination_id, limit, offset) -> dict:
    if not caller.is_subscriber:
        raise Problem(403, "forbidden", "Forbidden", _("Nur Subscriber holen Einreichungen ab."))
    allowed = caller.subscribed_destination_ids()
    if destination_id:
        did = str(_uuid(destination_id, "destinationId"))
        if did not in allowed:
            raise Problem(
                403, "forbidden", "Forbidden", _("Dieser Zustellpunkt gehört nicht zum Client.")
            )
        allowed = {did}
    try:
        limit = int(limit) if limit not in (None, "") else PAGE_LIMIT_DEFAULT
        offset = int(offset) if offset not in (None, "") else 0
    except ValueError:
        raise bad_request(_("limit und offset sind ganze Zahlen.")) from None
    if not (1 <= limit <= PAGE_LIMIT_MAX) or offset < 0:
        raise bad_request(_("limit liegt zwischen 1 und 500, offset ist nicht negativ."))
    with scopes_disabled():
        queryset = Submission.objects.filter(
            destination__destination_id__in=allowed, status=SubmissionStatus.SUBMITTED
        ).select_related("destination")
        total = queryset.count()
        page = list(queryset.order_by("submitted_at", "id")[offset : offset + limit])
    return {
        "count": len(page),
        "offset": offset,
        "totalCount": total,
        "submissions": [
            {
                "destinationId": str(s.destination.destination_id),
                "submissionId": str(s.submission_id),
                "caseId": str(s.case_id),
            }
            for s in page
        ],
    }


def case_submission(caller: Caller, case_id) -> Submission:
    """The submission of a case for its sender or a subscriber of its destination."""
    cid = _uuid(case_id, "caseId")
    with scopes_disabled():
        found = Submission.objects.select_related("destination").filter(case_id=cid).first()
    if found is None or not _may_read_events(caller, found):
        raise Problem(404, "case-not-found", "Case not found")
    return found


def _may_read_events(caller: Caller, submission: Submission) -> bool:
    return submission.sender_id == caller.client.pk or (
        caller.may_subscribe(submission.destination)
        and submission.status != SubmissionStatus.INCOMPLETE
    )


# --- sending -----------------------------------------------------------------------------


def platform_event(submission: Submission, event: str, *, issuer: str, payload=None) -> Event:
    now = int(time.time())
    jti = uuid.uuid4()
    claims = {
        "$schema": SET_PAYLOAD_SCHEMA,
        "jti": str(jti),
        "iss": issuer,
        "iat": now,
        "sub": f"submission:{submission.submission_id}",
        "txn": f"case:{submission.case_id}",
        "events": {EVENT_BASE + event: payload or {}},
    }
    return Event.objects.create(
        submission=submission,
        event=event,
        jti=jti,
        token=jose.sign_set(claims),
        issued_at=datetime.datetime.fromtimestamp(now, tz=datetime.UTC),
    )


def announce(caller: Caller, body, *, issuer: str) -> Submission:
    if caller.client.role != ClientRole.SENDER:
        raise Problem(403, "forbidden", "Forbidden", _("Nur Sender legen Einreichungen an."))
    if not isinstance(body, dict):
        raise bad_request(_("Der Inhalt ist kein JSON-Objekt."))
    destination = destination_for(caller, body.get("destinationId"))
    if not caller.may_send(destination):
        raise Problem(
            403, "forbidden", "Forbidden", _("Der Client darf an diesen Zustellpunkt nicht senden.")
        )
    if destination.status != DestinationStatus.ACTIVE:
        raise Problem(
            422,
            "destination-state-invalid",
            "Destination state invalid",
            _("Der Zustellpunkt nimmt keine Einreichungen an."),
        )
    service = body.get("serviceType")
    if not isinstance(service, dict) or not isinstance(service.get("identifier"), str):
        raise bad_request(_("serviceType.identifier fehlt."))
    if service["identifier"] not in destination.services:
        raise Problem(
            422,
            "service-not-offered",
            "Service not offered",
            _("Der Zustellpunkt nimmt diese Leistung nicht an."),
        )
    name = service.get("name", "")
    if not isinstance(name, str) or len(name) > 500:
        raise bad_request(_("serviceType.name ist ein Text bis 500 Zeichen."))
    announced = body.get("announcedAttachments", [])
    if not isinstance(announced, list):
        raise bad_request(_("announcedAttachments ist eine Liste von UUIDs."))
    ids = [str(_uuid(a, "announcedAttachments")) for a in announced]
    if len(set(ids)) != len(ids):
        raise bad_request(_("announcedAttachments enthält eine UUID doppelt."))
    with transaction.atomic():
        with scope(tenant=destination.tenant_id):
            submission = Submission.objects.create(
                tenant_id=destination.tenant_id,
                destination=destination,
                sender=caller.client,
                service_identifier=service["identifier"],
                service_name=name,
                announced_attachments=ids,
            )
        platform_event(submission, EVENT_CREATE, issuer=issuer)
    return submission


def upload_attachment(caller: Caller, submission_id, attachment_id, body: str) -> None:
    submission = submission_for_sender(caller, submission_id)
    aid = str(_uuid(attachment_id, "attachmentId"))
    if aid not in submission.announced_attachments:
        raise Problem(
            404,
            "attachment-not-found",
            "Attachment not found",
            _("Diese Anlage wurde nicht angekündigt."),
        )
    if submission.status != SubmissionStatus.INCOMPLETE:
        raise Problem(
            409,
            "submission-state-conflict",
            "Conflict",
            _("Die Einreichung ist schon abgeschickt."),
        )
    ciphertext = _check_jwe(body, submission.destination, "attachment")
    with transaction.atomic():
        Attachment.objects.update_or_create(
            submission=submission, attachment_id=aid, defaults={"ciphertext": ciphertext}
        )


def _check_jwe(token, destination: Destination, what: str) -> str:
    key = destination.active_key(KeyUse.ENCRYPTION)
    try:
        return jose.check_jwe(
            token,
            kid=key.kid if key else "",
            modulus_bytes=jose.modulus_bytes(key.jwk) if key else None,
        )
    except jose.JoseError as error:
        raise Problem(
            422, "invalid-encryption", "Unprocessable Entity", f"{what}: {error}"
        ) from None


def submit(caller: Caller, submission_id, body, *, issuer: str) -> Submission:
    submission = submission_for_sender(caller, submission_id)
    if not isinstance(body, dict):
        raise bad_request(_("Der Inhalt ist kein JSON-Objekt."))
    metadata = _check_jwe(
        body.get("encryptedMetadata"), submission.destination, "encryptedMetadata"
    )
    data = body.get("encryptedData")
    if data is not None:
        data = _check_jwe(data, submission.destination, "encryptedData")
    with transaction.atomic():
        # Lock the row: two concurrent submits must not both pass the state check.
        with scopes_disabled():
            locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.status != SubmissionStatus.INCOMPLETE:
            raise Problem(
                409,
                "submission-state-conflict",
                "Conflict",
                _("Die Einreichung ist schon abgeschickt."),
            )
        uploaded = {str(a) for a in locked.attachments.values_list("attachment_id", flat=True)}
        missing = [a for a in locked.announced_attachments if a not in uploaded]
        if missing:
            raise Problem(
                422,
                "missing-attachments",
                "Missing attachments",
                _("Angekündigte Anlagen fehlen: %(ids)s") % {"ids": ", ".join(missing)},
            )
        locked.encrypted_metadata = metadata
        locked.encrypted_data = data or ""
        locked.status = SubmissionStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.save(
            update_fields=["encrypted_metadata", "encrypted_data", "status", "submitted_at"]
        )
        platform_event(
            locked,
            EVENT_SUBMIT,
            issuer=issuer,
            payload={"authenticationTags": authentication_tags(locked)},
        )
        if submission.destination.inbox:
            # The platform holds this destination's keys (ADR 0028): a job imports it into
            # the member's built-in back office and answers with accept or reject.
            enqueue_on_commit(INBOX_IMPORT_JOB, str(locked.submission_id))
        else:
            callbacks.notify_new_submission(locked)
    return locked


def authentication_tags(submission: Submission) -> dict:
    tags = {"metadata": jose.authentication_tag(submission.encrypted_metadata)}
    if submission.encrypted_data:
        tags["data"] = jose.authentication_tag(submission.encrypted_data)
    attachments = {
        str(a.attachment_id): jose.authentication_tag(a.ciphertext)
        for a in submission.attachments.all()
    }
    if attachments:
        tags["attachments"] = attachments
    return tags


def attachment_for_subscriber(caller: Caller, submission_id, attachment_id) -> Attachment:
    submission = submission_for_subscriber(caller, submission_id)
    aid = _uuid(attachment_id, "attachmentId")
    found = submission.attachments.filter(attachment_id=aid).first()
    if found is None:
        raise Problem(404, "attachment-not-found", "Attachment not found")
    return found


# --- events from the subscriber ----------------------------------------------------------


def post_event(caller: Caller, case_id, token: str) -> Event:
    """A subscriber's accept/reject SET, signed with the destination's signature key."""
    submission = case_submission(caller, case_id)
    if not caller.may_subscribe(submission.destination):
        raise Problem(403, "forbidden", "Forbidden", _("Nur der Subscriber meldet Ereignisse."))
    return record_subscriber_event(submission, token, via=str(caller.client.client_id))


def record_subscriber_event(submission: Submission, token: str, *, via: str) -> Event:
    """Check and store an accept/reject SET of the destination (from its subscriber, or
    from the platform's inbox import for an inbox destination, inbox.py). Raises Problem;
    nothing is stored on refusal."""
    key = submission.destination.active_key(KeyUse.SIGNATURE)
    if key is None:
        raise Problem(
            422,
            "missing-signature-key",
            "Unprocessable Entity",
            _("Der Zustellpunkt hat keinen Signaturschlüssel."),
        )
    try:
        _header, claims = jose.verify_set(token, public_jwk=key.jwk)
    except jose.JoseError as error:
        raise Problem(422, "invalid-event", "Invalid event", str(error)) from None
    event_name = _check_claims(claims, submission)
    payload = claims["events"][EVENT_BASE + event_name]
    if event_name == EVENT_REJECT:
        _check_problems(payload)
    if event_name == EVENT_ACCEPT:
        expected = authentication_tags(submission)
        if not isinstance(payload, dict) or payload.get("authenticationTags") != expected:
            raise Problem(
                422,
                "invalid-event",
                "Invalid event",
                _("Die authenticationTags stimmen nicht mit der Einreichung überein."),
            )
    with transaction.atomic():
        with scopes_disabled():
            locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.status != SubmissionStatus.SUBMITTED:
            raise Problem(
                409,
                "submission-state-conflict",
                "Conflict",
                _("Die Einreichung wurde schon angenommen oder zurückgewiesen."),
            )
        locked.status = (
            SubmissionStatus.ACCEPTED if event_name == EVENT_ACCEPT else SubmissionStatus.REJECTED
        )
        locked.save(update_fields=["status"])
        event = Event.objects.create(
            submission=locked,
            event=event_name,
            jti=uuid.UUID(str(claims["jti"])),
            token=token,
            issued_at=datetime.datetime.fromtimestamp(claims["iat"], tz=datetime.UTC),
        )
        audit_record(
            tenant=locked.destination.tenant,
            actor=None,
            action=f"fitconnect_submission.{event_name.split('-')[0]}",
            obj=locked,
            after={"submission_id": str(locked.submission_id), "client": via},
        )
    return event


PROBLEM_TEXT_MAX_LENGTH = 1000


def _check_problems(payload) -> None:
    """A reject event names its reasons as FIT-Connect does: `problems`, a non-empty list
    of objects with `type` and `title` (and an optional `detail`), shown to the applicant."""
    problems = payload.get("problems") if isinstance(payload, dict) else None
    valid = (
        isinstance(problems, list)
        and 0 < len(problems) <= 20
        and all(
            isinstance(p, dict)
            and isinstance(p.get("type"), str)
            and isinstance(p.get("title"), str)
            and p["title"].strip()
            and isinstance(p.get("detail", ""), str)
            and len(p["title"]) + len(p.get("detail", "")) <= PROBLEM_TEXT_MAX_LENGTH
            for p in problems
        )
    )
    if not valid:
        raise Problem(
            422,
            "invalid-event",
            "Invalid event",
            _(
                "Eine Zurückweisung nennt ihre Gründe in problems: eine Liste von Objekten mit "
                "type und title (höchstens 1000 Zeichen mit detail)."
            ),
        )


def _check_claims(claims: dict, submission: Submission) -> str:
    def invalid(detail):
        return Problem(422, "invalid-event", "Invalid event", detail)

    if claims.get("iss") != str(submission.destination.destination_id):
        raise invalid(_("iss muss die ID des Zustellpunkts sein."))
    if claims.get("sub") != f"submission:{submission.submission_id}":
        raise invalid(_("sub muss submission:<submissionId> sein."))
    if claims.get("txn") != f"case:{submission.case_id}":
        raise invalid(_("txn muss case:<caseId> sein."))
    try:
        jti = uuid.UUID(str(claims.get("jti")))
    except ValueError:
        raise invalid(_("jti muss eine UUID sein.")) from None
    iat = claims.get("iat")
    if not isinstance(iat, int) or abs(iat - time.time()) > 300:
        raise invalid(_("iat fehlt oder weicht mehr als fünf Minuten ab."))
    if Event.objects.filter(jti=jti).exists():
        raise invalid(_("Dieses Ereignis (jti) wurde schon gemeldet."))
    events = claims.get("events")
    if not isinstance(events, dict) or len(events) != 1:
        raise invalid(_("events muss genau ein Ereignis enthalten."))
    (uri,) = events
    name = uri[len(EVENT_BASE) :] if uri.startswith(EVENT_BASE) else ""
    if name not in SUBSCRIBER_EVENTS:
        raise invalid(_("Erlaubt sind accept-submission und reject-submission."))
    return name


def event_log(caller: Caller, case_id) -> list[str]:
    submission = case_submission(caller, case_id)
    return list(submission.events.order_by("issued_at", "id").values_list("token", flat=True))


def submission_event_log(caller: Caller, submission_id) -> list[str]:
    """The same log by submission id (FIT-Connect's GET /v1/submissions/{id}/events)."""
    found = _submission(submission_id)
    if not _may_read_events(caller, found):
        raise Problem(404, "submission-not-found", "Submission not found")
    return list(found.events.order_by("issued_at", "id").values_list("token", flat=True))
