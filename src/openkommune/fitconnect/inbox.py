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
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from jwcrypto import jwe, jwk, jws
from jwcrypto.common import JWException

from openkommune.core.files import delete_private
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
from openkommune.fitconnect.metadata import metadata_problems
from openkommune.fitconnect.models import Destination, DestinationKey, Submission
from openkommune.fitconnect.services import (
    Problem,
    authentication_tags,
    create_destination,
    leika_urn,
    record_subscriber_event,
    rotate_key,
)
from openkommune.forms.models import FormVersion
from openkommune.forms.selectors import form_current_version, form_list, form_version_get
from openkommune.submissions.services import (
    LocationAmbiguous,
    ServiceNotOffered,
    SubmissionError,
    SubmitInvalid,
    UploadRejected,
    application_submit,
    application_submit_data,
    draft_attach_file,
    draft_set_data,
    draft_start,
    resolve_gemeinde,
    route_for_form,
)
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


def seal_bytes(plaintext: bytes) -> str:
    """Other secrets of the app kept like the inbox keys (an external destination's sender
    client secret, outbound.py)."""
    token = jwe.JWE(plaintext, protected=json.dumps({"alg": "A256KW", "enc": "A256GCM"}))
    token.add_recipient(_kek())
    return token.serialize(compact=True)


def unseal_bytes(sealed: str) -> bytes:
    token = jwe.JWE()
    token.deserialize(sealed, key=_kek())
    return token.payload


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


@transaction.atomic
def rotate_inbox_key(*, destination: Destination, use: str, actor=None) -> str:
    """A new platform-held key pair for an inbox destination (`use` enc or sig); returns
    its kid. The old key is retired but keeps its sealed private half: submissions
    encrypted to it before the rotation still decrypt (the import picks the key by the
    JWE's kid), and new ciphertext must use the new kid (`encryptionKid`)."""
    if not destination.inbox:
        raise ValueError(_("Nur die Schlüssel eines Posteingangs erzeugt die Plattform."))
    if use not in KeyUse.values:
        raise ValueError(_("Die Verwendung ist enc oder sig."))
    private, public = _generate(use)
    rotate_key(destination=destination, use=use, public_jwk=public, actor=actor)
    DestinationKey.objects.filter(destination=destination, kid=public["kid"]).update(
        sealed_private=seal(private)
    )
    return public["kid"]


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


@dataclass(frozen=True)
class _File:
    """A decrypted attachment of an outside sender, checked against its metadata entry."""

    attachment_id: str
    content: bytes
    filename: str
    mime_type: str


def _read(submission: Submission) -> tuple[dict, dict, list[_File]]:
    """(metadata, data, attachments) decrypted and checked against each other."""
    destination = submission.destination
    try:
        metadata = json.loads(
            _decrypt(destination, submission.encrypted_metadata, "encryptedMetadata")
        )
    except ValueError:
        raise Refusal(
            "syntax-violation", "Syntax violation", _("Die Metadaten sind kein JSON.")
        ) from None
    problems = metadata_problems(metadata)
    if problems:
        raise Refusal(
            "schema-violation",
            "Schema violation",
            (
                _(
                    "Die Metadaten entsprechen nicht dem FIT-Connect-Metadatenschema 1.x: "
                    "%(problems)s"
                )
                % {"problems": "; ".join(problems)}
            )[:PROBLEM_DETAIL_MAX],
        )
    structure = metadata["contentStructure"]
    declared_data = structure.get("data")
    if declared_data is None:
        raise Refusal(
            "missing-data",
            "Missing data",
            _("Die Metadaten beschreiben keine Fachdaten (contentStructure.data)."),
        )
    if not submission.encrypted_data:
        raise Refusal("missing-data", "Missing data", _("Die Einreichung enthält keine Fachdaten."))
    data = _decrypt(destination, submission.encrypted_data, "encryptedData")
    if not _hash_matches(data, declared_data["hash"]):
        raise _mismatch("encryptedData")
    declared = {entry["attachmentId"]: entry for entry in structure["attachments"]}
    files = []
    for attachment in submission.attachments.all():
        aid = str(attachment.attachment_id)
        content = _decrypt(destination, attachment.ciphertext, aid)
        entry = declared.pop(aid, None)
        if entry is None or not _hash_matches(content, entry["hash"]):
            raise _mismatch(aid)
        files.append(_File(aid, content, entry.get("filename", ""), entry["mimeType"]))
    if declared:
        raise Refusal(
            "missing-attachment",
            "Missing attachment",
            _("Die Metadaten nennen Anlagen, die nicht hochgeladen wurden: %(ids)s")
            % {"ids": ", ".join(sorted(declared))},
        )
    try:
        parsed = json.loads(data)
    except ValueError:
        raise Refusal(
            "syntax-violation", "Syntax violation", _("Die Fachdaten sind kein JSON.")
        ) from None
    return metadata, parsed, files


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


def _store(submission: Submission, metadata: dict, data, files: list[_File]):
    """The application in the member's back office, through the platform's submit path."""
    version = _form_version(metadata)
    email = _reply_address(metadata)
    tenant = submission.destination.tenant
    try:
        with transaction.atomic():
            if files:
                application = _submit_with_files(submission, version, data, files, email)
            else:
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
    except (_WrongMember, ServiceNotOffered, LocationAmbiguous):
        raise Refusal(
            "service-not-offered",
            "Service not offered",
            _("Für diese Leistung ist hier ein anderes Mitglied zuständig."),
        ) from None
    except UploadRejected as error:
        raise Refusal(
            "unsupported-attachments", "Unsupported attachments", str(error)[:PROBLEM_DETAIL_MAX]
        ) from None
    except SubmissionError as error:
        fields = getattr(error, "fields", None) or {}
        details = "; ".join(
            f"{path}: {' '.join(messages)}" for path, messages in sorted(fields.items())
        )
        detail = f"{error.message} {details}".strip()[:PROBLEM_DETAIL_MAX]
        raise Refusal("schema-violation", "Schema violation", detail) from None
    with scopes_disabled():
        Submission.objects.filter(pk=submission.pk).update(
            application_public_id=application.public_id
        )
    return application


def _value_paths(data, ids: set[str], prefix: str = "") -> dict[str, str]:
    """{attachment id: the data path of the value that holds it} (`nachweis`,
    `hunde.0.impfpass`): the sender's data refers to its attachments by their ids."""
    found: dict[str, str] = {}
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return found
    for key, value in items:
        path = f"{prefix}{key}"
        if isinstance(value, str) and value in ids:
            found.setdefault(value, path)
        else:
            found.update(_value_paths(value, ids, path + "."))
    return found


def _without(data, ids: set[str]):
    if isinstance(data, dict):
        return {k: ("" if v in ids else _without(v, ids)) for k, v in data.items()}
    if isinstance(data, list):
        return [("" if v in ids else _without(v, ids)) for v in data]
    return data


def _submit_with_files(submission, version, data, files: list[_File], email: str):
    """Through a draft, as the platform's own pages do: every attachment goes into the file
    field whose value names it (type from the content, size limits, virus scan, private
    storage), then the draft is submitted. A file stored before a refusal is deleted again
    (the rows roll back with the import's transaction)."""
    if not isinstance(data, dict):
        raise SubmitInvalid({"__all__": [_("Die Fachdaten sind kein JSON-Objekt.")]})
    ids = {f.attachment_id for f in files}
    paths = _value_paths(data, ids)
    unreferenced = sorted(ids - set(paths))
    if unreferenced:
        raise UploadRejected(
            _("Diese Anlagen gehören zu keinem Dateifeld der Fachdaten: %(ids)s")
            % {"ids": ", ".join(unreferenced)},
            {},
        )
    gemeinde = resolve_gemeinde(
        postcode=None, gemeinde_ars=submission.destination.tenant.region_ars
    )
    leistung, _responsibility = route_for_form(form_version=version, gemeinde=gemeinde)
    draft, _token = draft_start(
        actor=None, form_version=version, ozg_leistung=leistung, gemeinde=gemeinde, email=email
    )
    draft_set_data(draft=draft, data=_without(data, ids))
    stored: list[str] = []
    try:
        for file in files:
            name = file.filename or f"{file.attachment_id}"
            attached = draft_attach_file(
                draft=draft,
                path=paths[file.attachment_id],
                uploaded_file=ContentFile(file.content, name=name),
            )
            stored.append(attached.storage_name)
        return application_submit(
            draft=draft, idempotency_key=f"fit-connect:{submission.submission_id}"
        )
    except BaseException:
        for name in stored:
            delete_private(name)
        raise


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
            metadata, data, files = _read(submission)
            _store(submission, metadata, data, files)
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
