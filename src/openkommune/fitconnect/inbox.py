"""Inbox destinations (ADR 0028): submissions from outside FIT-Connect senders to a member
that works in the platform's built-in back office.

The platform generates the destination's keys and keeps the private halves sealed with the
key-encryption key (`OPENKOMMUNE_FITCONNECT_INBOX_KEK_FILE`, else derived from SECRET_KEY).
After a submit, the job `fitconnect.import_to_inbox` (tasks.py) decrypts, checks the SHA-512
hashes and the data schema (one of the platform's published form versions), creates the application
through the platform's own submit path (validation, routing, case, confirmation) and
answers with an accept event signed with the destination's key — or with a reject event
naming the problems, and nothing in the back office.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from jwcrypto import jwe, jwk, jws
from jwcrypto.common import JWException

from openkommune.fitconnect import jose
from openkommune.fitconnect.constants import (
    EVENT_ACCEPT,
    EVENT_BASE,
    EVENT_REJECT,
    LEIKA_URN_PREFIX,
    MIN_RSA_BITS,
    SET_PAYLOAD_SCHEMA,
    SET_TYPE,
    SIGNATURE_ALG,
    KeyUse,
    SubmissionStatus,
)
from openkommune.fitconnect.intake import schema_uri
from openkommune.fitconnect.models import Destination, DestinationKey, Submission
from openkommune.fitconnect.services import (
    Problem,
    authentication_tags,
    create_destination,
    leika_urn,
    record_subscriber_event,
)
from openkommune.forms.models import FormVersion
from openkommune.forms.selectors import form_current_version, form_list, form_version_get
from openkommune.submissions.services import SubmissionError, application_submit_data
from openkommune.tenancy.scoping import scopes_disabled

# FIT-Connect names the problems of a reject event by URI; these slugs are ours.
EVENT_PROBLEM_BASE = "https://schema.fitko.de/fit-connect/events/problems/"
PROBLEM_DETAIL_MAX = 900
SCHEMA_PATH = re.compile(
    r"/fit-connect/schemas/([a-z][a-z0-9_]{0,62})/([0-9]{1,7})/data\.schema\.json$"
)


# --- the key-encryption key and sealed private keys -------------------------------------


def _kek() -> jwk.JWK:
    if settings.FITCONNECT_INBOX_KEK_FILE:
        key = jwk.JWK(**json.loads(Path(settings.FITCONNECT_INBOX_KEK_FILE).read_text()))
        if key.get("kty") != "oct" or len(jose.b64url_decode(key.get("k", ""))) != 32:
            raise RuntimeError("The inbox key-encryption key must be an oct JWK of 256 bit.")
        return key
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"openkommune fit-connect inbox key-encryption key",
    ).derive(settings.SECRET_KEY.encode())
    return jwk.JWK.from_json(
        json.dumps({"kty": "oct", "k": base64.urlsafe_b64encode(derived).decode().rstrip("=")})
    )


def seal(private: jwk.JWK) -> str:
    token = jwe.JWE(
        private.export_private().encode(),
        protected=json.dumps({"alg": "A256KW", "enc": "A256GCM", "cty": "jwk+json"}),
    )
    token.add_recipient(_kek())
    return token.serialize(compact=True)


def unseal(sealed: str) -> jwk.JWK:
    token = jwe.JWE()
    token.deserialize(sealed, key=_kek())
    return jwk.JWK.from_json(token.payload.decode())


def _generate(use: str) -> tuple[jwk.JWK, dict]:
    """A new RSA-4096 key pair: (private, public JWK as FIT-Connect wants it)."""
    private = jwk.JWK.generate(kty="RSA", size=MIN_RSA_BITS)
    kid = private.thumbprint()
    public = private.export_public(as_dict=True)
    if use == KeyUse.ENCRYPTION:
        public.update(kid=kid, alg="RSA-OAEP-256", key_ops=["wrapKey"])
    else:
        public.update(kid=kid, alg=SIGNATURE_ALG, key_ops=["verify"])
    return private, public


@transaction.atomic
def create_inbox_destination(*, tenant, leika_keys: list[str], actor=None) -> Destination:
    """A destination of the member whose keys the platform holds; what arrives there goes
    into the member's built-in back office."""
    if not leika_keys:
        raise ValueError(_("Mindestens eine Leistung (LeiKa-Schlüssel) ist nötig."))
    for key in leika_keys:
        leika_urn(key)  # refuse a wrong key before the keys are made (seconds)
    encryption, encryption_public = _generate(KeyUse.ENCRYPTION)
    signing, signing_public = _generate(KeyUse.SIGNATURE)
    destination = create_destination(
        tenant=tenant,
        leika_keys=leika_keys,
        encryption_jwk=encryption_public,
        signature_jwk=signing_public,
        actor=actor,
    )
    destination.inbox = True
    # The schemas it takes: the published forms of these services (their current versions).
    urns = set(destination.services)
    destination.submission_schemas = [
        {"schemaUri": schema_uri(version), "mimeType": "application/json"}
        for form in form_list(published_only=True)
        if urns & {LEIKA_URN_PREFIX + key for key in form.leika_keys}
        and (version := form_current_version(key=form.key)) is not None
    ]
    destination.save(update_fields=["inbox", "submission_schemas"])
    for private, public in ((encryption, encryption_public), (signing, signing_public)):
        DestinationKey.objects.filter(destination=destination, kid=public["kid"]).update(
            sealed_private=seal(private)
        )
    return destination


# --- the import --------------------------------------------------------------------------


@dataclass
class Refusal(Exception):
    """Why an inbox submission is rejected (a problem of the reject event)."""

    slug: str
    title: str
    detail: str

    def as_problem(self) -> dict:
        return {"type": EVENT_PROBLEM_BASE + self.slug, "title": self.title, "detail": self.detail}


def _private_key_for(destination: Destination, token: str) -> jwk.JWK:
    try:
        kid = json.loads(jose.b64url_decode(token.split(".")[0])).get("kid")
    except (ValueError, AttributeError, jose.JoseError):
        kid = None
    key = destination.keys.filter(kid=kid or "", use=KeyUse.ENCRYPTION).first()
    if key is None or not key.sealed_private:
        raise Refusal(
            "encryption-issue",
            "Encryption issue",
            _("Der Inhalt ist nicht mit einem Schlüssel dieses Zustellpunkts verschlüsselt."),
        )
    return unseal(key.sealed_private)


def _decrypt(destination: Destination, token: str, what: str) -> bytes:
    message = jwe.JWE()
    try:
        message.deserialize(token, key=_private_key_for(destination, token))
    except (JWException, ValueError, TypeError):
        raise Refusal(
            "encryption-issue",
            "Encryption issue",
            _("%(what)s lässt sich nicht entschlüsseln (verändert oder beschädigt).")
            % {"what": what},
        ) from None
    return message.payload


def _hash_matches(content: bytes, declared) -> bool:
    return (
        isinstance(declared, dict)
        and declared.get("type") == "sha512"
        and declared.get("content") == hashlib.sha512(content).hexdigest()
    )


def _mismatch(what: str) -> Refusal:
    return Refusal(
        "hash-mismatch",
        "Hash mismatch",
        _("Der SHA-512-Hashwert von %(what)s stimmt nicht mit den Metadaten überein.")
        % {"what": what},
    )


def _read(submission: Submission) -> tuple[dict, dict]:
    """(metadata, data) decrypted and checked against each other."""
    destination = submission.destination
    try:
        metadata = json.loads(
            _decrypt(destination, submission.encrypted_metadata, "encryptedMetadata")
        )
        structure = metadata["contentStructure"]
        declared_data = structure["data"]
    except (ValueError, KeyError, TypeError):
        raise Refusal(
            "syntax-violation",
            "Syntax violation",
            _("Die Metadaten sind kein JSON nach dem Metadatenschema (contentStructure.data)."),
        ) from None
    if not submission.encrypted_data:
        raise Refusal("missing-data", "Missing data", _("Die Einreichung enthält keine Fachdaten."))
    data = _decrypt(destination, submission.encrypted_data, "encryptedData")
    if not _hash_matches(
        data, declared_data.get("hash") if isinstance(declared_data, dict) else None
    ):
        raise _mismatch("encryptedData")
    declared_attachments = {
        a.get("attachmentId"): a.get("hash")
        for a in structure.get("attachments", [])
        if isinstance(a, dict)
    }
    attachments = list(submission.attachments.all())
    for attachment in attachments:
        content = _decrypt(destination, attachment.ciphertext, str(attachment.attachment_id))
        if not _hash_matches(content, declared_attachments.get(str(attachment.attachment_id))):
            raise _mismatch(str(attachment.attachment_id))
    if attachments:
        raise Refusal(
            "unsupported-attachments",
            "Unsupported attachments",
            _("Der Posteingang der Plattform nimmt über FIT-Connect noch keine Anlagen an."),
        )
    try:
        parsed = json.loads(data)
    except ValueError:
        raise Refusal(
            "syntax-violation", "Syntax violation", _("Die Fachdaten sind kein JSON.")
        ) from None
    return metadata, parsed


def _form_version(metadata: dict) -> FormVersion:
    schema = metadata["contentStructure"]["data"].get("submissionSchema")
    uri = schema.get("schemaUri", "") if isinstance(schema, dict) else ""
    found = SCHEMA_PATH.search(uri) if isinstance(uri, str) else None
    if found:
        try:
            return form_version_get(key=found[1], number=int(found[2]), published_only=True)
        except FormVersion.DoesNotExist:
            pass
    raise Refusal(
        "unsupported-schema",
        "Unsupported schema",
        _(
            "Der Posteingang nimmt Fachdaten nach dem Schema einer veröffentlichten "
            "Formularversion der Plattform an (…/fit-connect/schemas/FORMULAR/VERSION/"
            "data.schema.json)."
        ),
    )


def _reply_address(metadata: dict) -> str:
    channel = metadata.get("replyChannel")
    address = channel.get("eMail", {}).get("address") if isinstance(channel, dict) else None
    if not isinstance(address, str) or not address.strip():
        raise Refusal(
            "missing-reply-channel",
            "Missing reply channel",
            _("Die Metadaten nennen keinen Rückkanal (replyChannel.eMail.address)."),
        )
    return address.strip()


class _WrongMember(Exception):
    pass


def _store(submission: Submission, metadata: dict, data: dict):
    """The application in the member's back office, through the platform's submit path."""
    version = _form_version(metadata)
    email = _reply_address(metadata)
    tenant = submission.destination.tenant
    try:
        with transaction.atomic():
            application = application_submit_data(
                actor=None,
                form_version=version,
                data=data,
                idempotency_key=f"fit-connect:{submission.submission_id}",
                gemeinde_ars=tenant.region_ars,
                email=email,
                client_secret=str(submission.submission_id),
            )
            if application.tenant_id != tenant.pk:
                raise _WrongMember()
    except _WrongMember:
        raise Refusal(
            "service-not-offered",
            "Service not offered",
            _("Für diese Leistung ist hier ein anderes Mitglied zuständig."),
        ) from None
    except SubmissionError as error:
        details = "; ".join(
            f"{path}: {' '.join(messages)}" for path, messages in sorted(error.fields.items())
        )
        detail = f"{error.message} {details}".strip()[:PROBLEM_DETAIL_MAX]
        raise Refusal("schema-violation", "Schema violation", detail) from None
    with scopes_disabled():
        Submission.objects.filter(pk=submission.pk).update(
            application_public_id=application.public_id
        )
    return application


def _answer(submission: Submission, event: str, payload: dict) -> None:
    """Sign the destination's answer with its (platform-held) key and record it."""
    key = submission.destination.active_key(KeyUse.SIGNATURE)
    private = unseal(key.sealed_private)
    claims = {
        "$schema": SET_PAYLOAD_SCHEMA,
        "jti": str(uuid.uuid4()),
        "iss": str(submission.destination.destination_id),
        "iat": int(time.time()),
        "sub": f"submission:{submission.submission_id}",
        "txn": f"case:{submission.case_id}",
        "events": {EVENT_BASE + event: payload},
    }
    token = jws.JWS(json.dumps(claims, separators=(",", ":")).encode())
    token.add_signature(
        private,
        alg=SIGNATURE_ALG,
        protected=json.dumps({"alg": SIGNATURE_ALG, "typ": SET_TYPE, "kid": key.kid}),
    )
    record_subscriber_event(submission, token.serialize(compact=True), via="inbox")


def import_submission(submission_id: str) -> str:
    """The job's work: "accepted", "rejected" or "skipped" (not an inbox submission, or
    answered already)."""
    with scopes_disabled():
        submission = (
            Submission.objects.select_related("destination", "destination__tenant")
            .filter(submission_id=submission_id)
            .first()
        )
    if (
        submission is None
        or not submission.destination.inbox
        or submission.status != SubmissionStatus.SUBMITTED
    ):
        return "skipped"
    try:
        with transaction.atomic():
            metadata, data = _read(submission)
            _store(submission, metadata, data)
            _answer(
                submission,
                EVENT_ACCEPT,
                {"authenticationTags": authentication_tags(submission)},
            )
    except Refusal as refusal:
        _answer(submission, EVENT_REJECT, {"problems": [refusal.as_problem()]})
        return "rejected"
    except Problem:
        return "skipped"  # answered meanwhile (a second run of the job)
    return "accepted"
