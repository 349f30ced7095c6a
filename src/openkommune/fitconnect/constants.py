"""Names FIT-Connect defines (Submission API v1, docs.fitko.de/fit-connect) and this app uses."""

from django.db import models
from django.utils.translation import gettext_lazy as _

LEIKA_URN_PREFIX = "urn:de:fim:leika:leistung:"
PROBLEM_BASE = "https://schema.fitko.de/fit-connect/submission-api/problems/"
EVENT_BASE = "https://schema.fitko.de/fit-connect/events/"
SET_PAYLOAD_SCHEMA = "https://schema.fitko.de/fit-connect/set-payload/1.2.0/set-payload.schema.json"
METADATA_SCHEMA = "https://schema.fitko.de/fit-connect/metadata/1.2.0/metadata.schema.json"
METADATA_VERSIONS = ["1.0.0", "1.1.0", "1.2.0"]
EVENT_LOG_VERSIONS = ["1.0.0"]

# JOSE algorithms FIT-Connect prescribes.
KEY_WRAP_ALG = "RSA-OAEP-256"
CONTENT_ENC = "A256GCM"
SIGNATURE_ALG = "PS512"
SET_TYPE = "secevent+jwt"
MIN_RSA_BITS = 4096

# Events of the event log (suffixes of EVENT_BASE).
EVENT_CREATE = "create-submission"
EVENT_SUBMIT = "submit-submission"
EVENT_ACCEPT = "accept-submission"
EVENT_REJECT = "reject-submission"
SUBSCRIBER_EVENTS = (EVENT_ACCEPT, EVENT_REJECT)

SCOPE_SEND_REGION = "send:region:"
SCOPE_SEND_DESTINATION = "send:destination:"
SCOPE_SUBSCRIBE_DESTINATION = "subscribe:destination:"


class ClientRole(models.TextChoices):
    SENDER = "sender", _("Sender (Onlinedienst)")
    SUBSCRIBER = "subscriber", _("Subscriber (Fachverfahren)")


class DestinationStatus(models.TextChoices):
    ACTIVE = "active", _("aktiv")
    INACTIVE = "inactive", _("inaktiv")


class KeyUse(models.TextChoices):
    ENCRYPTION = "enc", _("Verschlüsselung")
    SIGNATURE = "sig", _("Signaturprüfung")


class SubmissionStatus(models.TextChoices):
    INCOMPLETE = "incomplete", _("unvollständig")
    SUBMITTED = "submitted", _("eingereicht")
    ACCEPTED = "accepted", _("angenommen")
    REJECTED = "rejected", _("zurückgewiesen")
