"""The cooperative's public website: news posts with tags, and messages from the contact form.

Neither belongs to a member: they are the cooperative's own content, so they carry no tenant
(audit records name the cooperative's organisation). A post is a draft until it has a
publication date; it is public from that date on.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkommune.core.models import PublicIdModel, outbox_mails_relation, person_field
from openkommune.website.constants import NewsState


class Tag(models.Model):
    """A Stichwort of news posts, with a page of its own (`slug`)."""

    name = models.CharField(_("Stichwort"), max_length=60, unique=True)
    slug = models.SlugField(_("Kurzform für Adressen"), max_length=70, unique=True)

    class Meta:
        verbose_name = _("Stichwort")
        verbose_name_plural = _("Stichwörter")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NewsPost(PublicIdModel):
    """One post of "Aktuelles". The text is plain text (paragraphs by blank lines): no HTML
    from editors reaches the pages, the feed or the PDF."""

    title = models.CharField(_("Titel"), max_length=200)
    slug = models.SlugField(_("Kurzform für Adressen"), max_length=220, unique=True)
    summary = models.CharField(_("Kurzfassung"), max_length=500)
    body = models.TextField(_("Text"))
    tags = models.ManyToManyField(
        Tag, blank=True, related_name="posts", verbose_name=_("Stichwörter")
    )
    published_at = models.DateTimeField(
        _("veröffentlicht ab"), null=True, blank=True, db_index=True
    )
    is_demo = models.BooleanField(_("Demo-Daten"), default=False)
    created_by = person_field(_("angelegt von"))
    updated_by = person_field(_("zuletzt geändert von"))

    class Meta:
        verbose_name = _("Meldung")
        verbose_name_plural = _("Meldungen")
        ordering = [models.F("published_at").desc(nulls_first=True), "-created_at"]

    def __str__(self) -> str:
        return self.title

    def state(self, now=None) -> NewsState:
        if self.published_at is None:
            return NewsState.DRAFT
        if self.published_at > (now or timezone.now()):
            return NewsState.SCHEDULED
        return NewsState.PUBLISHED

    @property
    def state_label(self) -> str:
        return str(self.state().label)

    @property
    def is_public(self) -> bool:
        return self.state() == NewsState.PUBLISHED

    def paragraphs(self) -> list[str]:
        return [
            part.strip() for part in self.body.replace("\r\n", "\n").split("\n\n") if part.strip()
        ]


class ContactMessage(PublicIdModel):
    """A message sent with the office's contact form: stored, then mailed to the office
    through the outbox. It holds no client address (the rate limit counts keyed hashes);
    it is deleted `CONTACT_RETENTION_DAYS` after it arrived (`contact_messages_delete_expired`)."""

    name = models.CharField(_("Name"), max_length=200)
    email = models.EmailField(_("E-Mail-Adresse"))
    subject = models.CharField(_("Betreff"), max_length=200)
    message = models.TextField(_("Nachricht"), max_length=5000)
    mails = outbox_mails_relation()

    class Meta:
        verbose_name = _("Kontaktanfrage")
        verbose_name_plural = _("Kontaktanfragen")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"], name="website_contact_created")]

    def __str__(self) -> str:
        return self.subject
