"""FIT-Connect-compatible delivery (docs/fit-connect.md): destinations of members, API
clients, submissions held as ciphertext only, and their event log of signed SETs.

The platform never sees plain text: metadata, data and attachments arrive as JWE compact
serialisations encrypted by the sender to the destination's public key and are stored as
they came.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from openkommune.fitconnect.constants import (
    ClientRole,
    DestinationStatus,
    KeyUse,
    SubmissionStatus,
)
from openkommune.tenancy.models import tenant_field
from openkommune.tenancy.scoping import TenantScopedManager


class Destination(models.Model):
    """A Zustellpunkt of a member: where its Fachverfahren picks up submissions."""

    tenant = tenant_field("fitconnect_destinations")
    destination_id = models.UUIDField(_("Zustellpunkt-ID"), default=uuid.uuid4, unique=True)
    status = models.CharField(
        _("Status"),
        max_length=10,
        choices=DestinationStatus.choices,
        default=DestinationStatus.ACTIVE,
    )
    # Service identifiers as FIT-Connect writes them: urn:de:fim:leika:leistung:<LeiKa key>.
    services = models.JSONField(_("Leistungen (LeiKa-URN)"), default=list)
    # The regions the services are offered in: "DE" + the member's ARS.
    regions = models.JSONField(_("Regionen"), default=list)
    # An inbox destination: the platform holds its private keys (sealed, ADR 0028) and puts
    # what arrives into the member's built-in back office (inbox.py).
    inbox = models.BooleanField(_("Posteingang der Plattform"), default=False)
    # The data schemas the Fachverfahren accepts: [{"schemaUri": …, "mimeType": …}].
    submission_schemas = models.JSONField(_("Fachdatenschemata"), default=list, blank=True)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("FIT-Connect-Zustellpunkt")
        verbose_name_plural = _("FIT-Connect-Zustellpunkte")
        ordering = ["tenant_id", "created_at", "id"]

    def __str__(self):
        return str(self.destination_id)

    def active_key(self, use: str) -> "DestinationKey | None":
        return self.keys.filter(use=use, retired_at__isnull=True).order_by("-created_at").first()


class DestinationKey(models.Model):
    """A public JWK of a destination: encryption (RSA-OAEP-256, wrapKey) or signature
    verification (PS512, verify). Rotation adds a key and retires the old one; retired keys
    stay readable by kid so that old ciphertext and old events remain checkable."""

    destination = models.ForeignKey(Destination, on_delete=models.CASCADE, related_name="keys")
    kid = models.CharField(_("Schlüssel-ID (kid)"), max_length=200)
    use = models.CharField(_("Verwendung"), max_length=3, choices=KeyUse.choices)
    jwk = models.JSONField(_("öffentlicher Schlüssel (JWK)"))
    # Inbox destinations only: the private JWK, encrypted with the key-encryption key
    # (JWE A256KW + A256GCM, inbox.py); empty for keys the member holds.
    sealed_private = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    retired_at = models.DateTimeField(_("ersetzt am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Schlüssel eines Zustellpunkts")
        verbose_name_plural = _("Schlüssel von Zustellpunkten")
        constraints = [
            models.UniqueConstraint(fields=["destination", "kid"], name="fitconnect_key_kid")
        ]

    def __str__(self):
        return str(self.kid)


class Client(models.Model):
    """An API client of a member (OAuth2 client credentials). Only the SHA-256 of the
    secret is stored; the secret is shown once."""

    tenant = tenant_field("fitconnect_clients")
    client_id = models.UUIDField(_("Client-ID"), default=uuid.uuid4, unique=True)
    secret_sha256 = models.CharField(max_length=64)
    role = models.CharField(_("Rolle"), max_length=10, choices=ClientRole.choices)
    # OAuth2 scopes as FIT-Connect names them, space-separated semantics, stored as a list.
    scopes = models.JSONField(_("Berechtigungen (Scopes)"), default=list)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("widerrufen am"), null=True, blank=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("FIT-Connect-API-Client")
        verbose_name_plural = _("FIT-Connect-API-Clients")
        ordering = ["tenant_id", "created_at", "id"]

    def __str__(self):
        return str(self.client_id)


class AccessToken(models.Model):
    """An issued bearer token (opaque to clients); only its SHA-256 is stored."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="tokens")
    token_sha256 = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="fitconnect_token_expiry")]

    def __str__(self):
        return f"token of {self.client_id}"


class Submission(models.Model):
    """A submission (Einreichung) to a destination; tenant is the destination's member."""

    tenant = tenant_field("fitconnect_submissions")
    submission_id = models.UUIDField(default=uuid.uuid4, unique=True)
    case_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    destination = models.ForeignKey(
        Destination, on_delete=models.PROTECT, related_name="submissions"
    )
    # None: the platform's own online service (its forms, encrypted at intake, intake.py).
    sender = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        related_name="sent_submissions",
        null=True,
        blank=True,
    )
    # The platform's own application this submission carries (its public id; routing
    # metadata only: the application keeps no answers once delivered).
    application_public_id = models.UUIDField(null=True, blank=True, unique=True)
    service_identifier = models.CharField(max_length=200)
    service_name = models.CharField(max_length=500, blank=True)
    announced_attachments = models.JSONField(default=list)
    encrypted_metadata = models.TextField(blank=True)
    encrypted_data = models.TextField(blank=True)
    status = models.CharField(
        max_length=12, choices=SubmissionStatus.choices, default=SubmissionStatus.INCOMPLETE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("FIT-Connect-Einreichung")
        verbose_name_plural = _("FIT-Connect-Einreichungen")
        ordering = ["submitted_at", "id"]
        indexes = [
            models.Index(fields=["destination", "status"], name="fitconnect_sub_dest_status")
        ]

    def __str__(self):
        return str(self.submission_id)


class Attachment(models.Model):
    """The JWE compact serialisation of one announced attachment, as uploaded."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    attachment_id = models.UUIDField()
    ciphertext = models.TextField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "attachment_id"], name="fitconnect_attachment_once"
            )
        ]

    def __str__(self):
        return str(self.attachment_id)


class Event(models.Model):
    """One entry of a case's event log: a Security Event Token (compact JWS) signed by the
    platform (PS512) or, for accept/reject, by the destination's Fachverfahren."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(max_length=40)
    jti = models.UUIDField(unique=True)
    token = models.TextField()
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["issued_at", "id"]

    def __str__(self):
        return str(self.event)


class PlatformKey(models.Model):
    """The platform's signing key for SETs when none is configured
    (OPENKOMMUNE_FITCONNECT_SIGNING_KEY_FILE): generated once, on first use."""

    kid = models.CharField(max_length=200, unique=True)
    private_jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return str(self.kid)


class DestinationCallback(models.Model):
    """Where the platform tells a destination's subscriber that submissions are ready
    (FIT-Connect callbacks, fitconnect/callbacks.py). The secret is kept as it is: the
    platform needs it to compute the HMAC of every callback."""

    destination = models.OneToOneField(
        Destination, on_delete=models.CASCADE, related_name="callback"
    )
    url = models.URLField(_("Callback-URL"), max_length=500)
    secret = models.CharField(_("Callback-Secret"), max_length=200)
    updated_at = models.DateTimeField(auto_now=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_failure = models.CharField(max_length=500, blank=True)

    def __str__(self):
        return self.url


class ExternalRouteStatus(models.TextChoices):
    ACTIVE = "active", _("aktiv")
    INACTIVE = "inactive", _("inaktiv")


class ExternalDestination(models.Model):
    """A member's destination at an external FIT-Connect Zustelldienst (FITKO's test or
    production environment, or any compatible one): the platform's forms send there as a
    FIT-Connect sender (outbound.py, ADR 0043). The sender client's secret is kept only
    sealed (JWE A256KW + A256GCM with the key-encryption key, like the inbox keys) and is
    never shown again."""

    tenant = tenant_field("fitconnect_external_destinations")
    destination_id = models.UUIDField(_("Zustellpunkt-ID beim Zustelldienst"))
    services = models.JSONField(_("Leistungen (LeiKa-URN)"), default=list)
    # The Submission API's base URL without the version (…/v1/… is appended) and the OAuth
    # token endpoint, e.g. FITKO's test environment.
    api_url = models.URLField(_("Adresse der Submission API"), max_length=300)
    token_url = models.URLField(_("Adresse des Token-Endpunkts"), max_length=300)
    client_id = models.CharField(_("Client-ID des Senders"), max_length=200)
    client_secret_sealed = models.TextField(editable=False)
    # PEM certificates: when set, the destination key's x5c chain must lead to one of them.
    trust_anchors_pem = models.TextField(_("Vertrauensanker (PEM)"), blank=True)
    status = models.CharField(
        _("Status"),
        max_length=10,
        choices=ExternalRouteStatus.choices,
        default=ExternalRouteStatus.ACTIVE,
    )
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("externer FIT-Connect-Zustellpunkt")
        verbose_name_plural = _("externe FIT-Connect-Zustellpunkte")
        ordering = ["tenant_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "destination_id"], name="fitconnect_external_once"
            )
        ]

    def __str__(self):
        return str(self.destination_id)


class OutboundState(models.TextChoices):
    PENDING = "pending", _("wird zugestellt")
    SUBMITTED = "submitted", _("zugestellt")
    ACCEPTED = "accepted", _("angenommen")
    REJECTED = "rejected", _("abgelehnt")
    FAILED = "failed", _("Zustellung gescheitert")


class OutboundSubmission(models.Model):
    """One of the platform's own applications on its way to an external Zustelldienst.
    The application keeps its answers until the Zustelldienst took the submission (then it
    is sealed); a delivery that fails for good leaves it in the built-in back office."""

    tenant = tenant_field("fitconnect_outbound_submissions")
    route = models.ForeignKey(
        ExternalDestination, on_delete=models.PROTECT, related_name="submissions"
    )
    application_public_id = models.UUIDField(unique=True)
    service_identifier = models.CharField(max_length=200)
    service_name = models.CharField(max_length=500, blank=True)
    state = models.CharField(
        max_length=10, choices=OutboundState.choices, default=OutboundState.PENDING
    )
    # The Zustelldienst's ids, once it created the submission.
    remote_submission_id = models.UUIDField(null=True, blank=True)
    remote_case_id = models.UUIDField(null=True, blank=True)
    uploaded_attachments = models.JSONField(default=list)
    attempts = models.PositiveIntegerField(default=0)
    # The last problem, German, without secrets (shown to staff on the case page).
    problem = models.CharField(max_length=1000, blank=True)
    # Verified SETs of the event log: [{"event", "jti", "iat", "by", "token"}].
    events = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = TenantScopedManager()

    class Meta:
        verbose_name = _("Einreichung an externen Zustelldienst")
        verbose_name_plural = _("Einreichungen an externe Zustelldienste")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["state"], name="fitconnect_outbound_state")]

    def __str__(self):
        return str(self.application_public_id)
