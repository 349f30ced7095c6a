"""The platform's own applications to a Fachverfahren (issue 17 part 3, docs/fit-connect.md).

When the responsible member has an active destination for the application's service (a
LeiKa key of its form), the submit hands the application over here, inside its
transaction: the answers (JSON, with the form version's JSON Schema as `submissionSchema`)
and every file are encrypted to the destination's public key, the metadata (FIT-Connect
metadata schema, SHA-512 hashes of data and files) too, and they are stored as a submitted
`Submission` with the platform's signed `create-submission` and `submit-submission`
events. Then the application is sealed (`submissions.services.application_seal`): its
answers and files are gone, the platform keeps ciphertext plus routing metadata.

Runs before the back office opens its case (`register_submitted(first=True)`), so the case
never sees the answers either; it shows "an Fachverfahren zugestellt" and the event log.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.utils import timezone

from openkommune.core import files
from openkommune.core.read_cache import Topic, cached_read
from openkommune.fitconnect import jose
from openkommune.fitconnect.constants import (
    EVENT_CREATE,
    EVENT_SUBMIT,
    LEIKA_URN_PREFIX,
    METADATA_SCHEMA,
    DestinationStatus,
    KeyUse,
    SubmissionStatus,
)
from openkommune.fitconnect.metadata import metadata_problems
from openkommune.fitconnect.models import Attachment, Destination, Submission
from openkommune.fitconnect.services import authentication_tags, platform_event
from openkommune.forms.selectors import version_definition
from openkommune.submissions import selectors as submission_selectors
from openkommune.submissions.services import application_seal
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.services import audit_record

JSON = "application/json"


def issuer() -> str:
    """The platform's name in the events it signs when no request is at hand."""
    return settings.FITCONNECT_ISSUER or settings.SITE_URL.rstrip("/") + "/fit-connect"


def schema_uri(form_version) -> str:
    """Where the form version's JSON Schema of the data is published (views.data_schema)."""
    return f"{issuer()}/schemas/{form_version.form.key}/{form_version.number}/data.schema.json"


def route_for(application) -> tuple[Destination, str] | None:
    """The member's active destination for a LeiKa key of the application's form, with that
    service's URN; None when the member works on it in the built-in back office.

    Asked at every submit: kept in the read cache (ADR 0014) while the members' data and the
    forms are unchanged — creating a destination gives `Topic.ORGANISATIONS` a new version
    (services.create_destination) — so a submit without a destination costs no query."""
    found = cached_read(
        "fitconnect_route",
        (application.tenant_id, application.form_version_id),
        topics=(Topic.ORGANISATIONS, Topic.FORMS),
        compute=lambda: _route(application),
        in_process=True,
    )
    if found is None:
        return None
    destination_pk, urn = found
    with scope(tenant=application.tenant):
        destination = Destination.objects.filter(
            pk=destination_pk, status=DestinationStatus.ACTIVE, inbox=False
        ).first()
    return (destination, urn) if destination else None


def _route(application) -> tuple[int, str] | None:
    # Inbox destinations lead into the built-in back office: not a Fachverfahren.
    return first_offering(
        application,
        lambda: Destination.objects.filter(status=DestinationStatus.ACTIVE, inbox=False),
    )


def first_offering(application, candidates) -> tuple[int, str] | None:
    """The oldest of the destinations `candidates()` gives (queried in the application's
    tenant scope; models with `services` and `created_at`) that offers a LeiKa key of the
    application's form: its pk and that service's URN, or None."""
    keys = version_definition(application.form_version).leika_keys
    urns = [LEIKA_URN_PREFIX + key for key in keys]
    if not urns:
        return None
    with scope(tenant=application.tenant):
        destinations = list(candidates().order_by("created_at", "id"))
    for destination in destinations:
        for urn in urns:
            if urn in destination.services:
                return destination.pk, urn
    return None


def _hash(content: bytes) -> dict:
    return {"type": "sha512", "content": hashlib.sha512(content).hexdigest()}


def build_payload(application, service_urn: str) -> tuple[bytes, list, dict]:
    """(data as JSON bytes, [(attachment, content)], metadata) of a platform application
    as a FIT-Connect sender delivers it; the metadata is checked against FIT-Connect's
    metadata structure (a RuntimeError means our own writing is wrong)."""
    data = json.dumps(application.data, ensure_ascii=False, separators=(",", ":")).encode()
    attachments = []
    for attachment in submission_selectors.application_attachments(application=application):
        content = files.read_private(attachment.storage_name)
        attachments.append((attachment, content))
    metadata = {
        "$schema": METADATA_SCHEMA,
        "contentStructure": {
            "data": {
                "hash": _hash(data),
                "submissionSchema": {
                    "schemaUri": schema_uri(application.form_version),
                    "mimeType": JSON,
                },
            },
            "attachments": [
                {
                    "attachmentId": str(attachment.public_id),
                    "hash": _hash(content),
                    "purpose": "attachment",
                    "filename": attachment.download_name,
                    "mimeType": attachment.content_type,
                    # The data path of the field that holds it (e.g. "hunde.0.impfpass").
                    "description": attachment.path,
                }
                for attachment, content in attachments
            ],
        },
        "publicServiceType": {
            "identifier": service_urn,
            "name": application.service_name,
        },
        "additionalReferenceInfo": {
            "senderReference": application.reference,
            "applicationDate": timezone.localdate(application.submitted_at).isoformat(),
        },
    }
    # FIT-Connect metadata requires `contentStructure.attachments`, also when empty.
    problems = metadata_problems(metadata)
    if problems:
        # Our own writing is wrong: refuse the submit rather than deliver what a
        # Fachverfahren would reject (metadata.py; tests keep this from happening).
        raise RuntimeError(
            "FIT-Connect metadata of the platform is invalid: " + "; ".join(problems)
        )
    return data, attachments, metadata


def deliver_submitted(application) -> Submission | None:
    """The `submissions` submit hook: deliver and seal the application when its member has a
    destination for it; hand it to the outbound sender when the member's destination is at
    an external Zustelldienst (outbound.py); else leave it to the built-in back office."""
    route = route_for(application)
    if route is None:
        from openkommune.fitconnect.outbound import queue_submitted

        queue_submitted(application)
        return None
    destination, service_urn = route
    key = destination.active_key(KeyUse.ENCRYPTION)
    public = key.jwk
    data, attachments, metadata = build_payload(application, service_urn)
    with scope(tenant=destination.tenant_id):
        submission = Submission.objects.create(
            tenant_id=destination.tenant_id,
            destination=destination,
            sender=None,
            application_public_id=application.public_id,
            service_identifier=service_urn,
            service_name=application.service_name[:500],
            announced_attachments=[str(a.public_id) for a, _content in attachments],
            encrypted_metadata=jose.encrypt_to(
                public, json.dumps(metadata, ensure_ascii=False).encode(), content_type=JSON
            ),
            encrypted_data=jose.encrypt_to(public, data, content_type=JSON),
            status=SubmissionStatus.SUBMITTED,
            submitted_at=application.submitted_at,
        )
    Attachment.objects.bulk_create(
        [
            Attachment(
                submission=submission,
                attachment_id=attachment.public_id,
                ciphertext=jose.encrypt_to(public, content, content_type=attachment.content_type),
            )
            for attachment, content in attachments
        ]
    )
    platform_event(submission, EVENT_CREATE, issuer=issuer())
    platform_event(
        submission,
        EVENT_SUBMIT,
        issuer=issuer(),
        payload={"authenticationTags": authentication_tags(submission)},
    )
    audit_record(
        tenant=destination.tenant,
        actor=None,
        action="fitconnect_submission.intake",
        obj=submission,
        after={
            "submission_id": str(submission.submission_id),
            "destination_id": str(destination.destination_id),
            "service": service_urn,
            "attachments": len(attachments),
        },
    )
    application_seal(application=application, delivered_to=str(destination.destination_id))
    return submission
