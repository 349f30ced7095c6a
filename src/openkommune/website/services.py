"""Every change of the cooperative's website: news posts (create, edit, publish, withdraw)
by cooperative staff, audited; and the contact form's message, stored and mailed to the
office through the outbox (`core.outbox`) in one transaction."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openkommune.core import outbox
from openkommune.core.models import OutboxMail
from openkommune.tenancy.selectors import cooperative_get, require_cooperative_staff
from openkommune.tenancy.services import audit_record, snapshot
from openkommune.website.constants import CONTACT_MAIL_KIND, CONTACT_RETENTION_DAYS
from openkommune.website.models import ContactMessage, NewsPost, Tag

NEWS_FIELDS = ("title", "slug", "summary", "body", "published_at", "is_demo")
TAG_SEPARATOR = ","
# Paths beside the posts under /genossenschaft/aktuelles/.
RESERVED_SLUGS = frozenset({"verwaltung", "stichwort", "feed"})


def _news_snapshot(post: NewsPost) -> dict:
    return snapshot(post, NEWS_FIELDS) | {"tags": sorted(post.tags.values_list("name", flat=True))}


def _unique_slug(model, text: str, *, exclude_pk=None, max_length: int = 200) -> str:
    base = slugify(text.translate(_UMLAUTS))[:max_length].strip("-") or "meldung"
    slug, number = base, 2
    rows = model.objects.exclude(pk=exclude_pk) if exclude_pk else model.objects.all()
    while slug in RESERVED_SLUGS or rows.filter(slug=slug).exists():
        slug = f"{base[: max_length - 6]}-{number}"
        number += 1
    return slug


_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def tag_names_parse(text: str) -> list[str]:
    """The Stichwörter of a comma-separated text: trimmed, without duplicates (ignoring
    case), in their order. Raises ValidationError for one longer than 60 characters."""
    names: list[str] = []
    for part in text.split(TAG_SEPARATOR):
        name = " ".join(part.split())
        if not name:
            continue
        if len(name) > 60:
            raise ValidationError(
                {
                    "tags": _("Ein Stichwort hat höchstens 60 Zeichen: „%(name)s“.")
                    % {"name": name[:60]}
                }
            )
        if name.casefold() not in {known.casefold() for known in names}:
            names.append(name)
    return names


def _tags_set(post: NewsPost, names: list[str]) -> None:
    tags = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            tag = Tag.objects.create(name=name, slug=_unique_slug(Tag, name, max_length=60))
        tags.append(tag)
    post.tags.set(tags)


@transaction.atomic
def news_create(
    *, actor, title: str, summary: str, body: str, tags: str = "", is_demo: bool = False
) -> NewsPost:
    """A new post, a draft until it is published (`news_publish`)."""
    require_cooperative_staff(actor)
    names = tag_names_parse(tags)
    post = NewsPost(
        title=title.strip(),
        summary=summary.strip(),
        body=body.strip(),
        is_demo=is_demo,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        updated_by=actor if actor is not None and actor.is_authenticated else None,
    )
    post.slug = _unique_slug(NewsPost, post.title)
    post.full_clean()
    post.save()
    _tags_set(post, names)
    audit_record(
        tenant=cooperative_get(),
        actor=actor,
        action="news.create",
        obj=post,
        after=_news_snapshot(post),
    )
    return post


@transaction.atomic
def news_update(
    *, post: NewsPost, actor, title: str, summary: str, body: str, tags: str = ""
) -> NewsPost:
    """Change text and Stichwörter; the address (slug) stays, so links keep working."""
    require_cooperative_staff(actor)
    names = tag_names_parse(tags)
    post = NewsPost.objects.select_for_update().get(pk=post.pk)
    before = _news_snapshot(post)
    post.title, post.summary, post.body = title.strip(), summary.strip(), body.strip()
    post.updated_by = actor if actor is not None and actor.is_authenticated else None
    post.full_clean()
    post.save()
    _tags_set(post, names)
    after = _news_snapshot(post)
    audit_record(
        tenant=cooperative_get(),
        actor=actor,
        action="news.update",
        obj=post,
        before=before,
        after=after,
    )
    return post


@transaction.atomic
def news_publish(
    *, post: NewsPost, actor, published_at: datetime.datetime | None = None
) -> NewsPost:
    """Publish the post from `published_at` (now when not given; a future date schedules it)."""
    require_cooperative_staff(actor)
    post = NewsPost.objects.select_for_update().get(pk=post.pk)
    before = snapshot(post, ("published_at",))
    post.published_at = published_at or timezone.now()
    post.updated_by = actor if actor is not None and actor.is_authenticated else None
    post.save(update_fields=["published_at", "updated_by", "updated_at"])
    audit_record(
        tenant=cooperative_get(),
        actor=actor,
        action="news.publish",
        obj=post,
        before=before,
        after=snapshot(post, ("published_at",)),
    )
    return post


@transaction.atomic
def news_withdraw(*, post: NewsPost, actor) -> NewsPost:
    """Make a published or scheduled post a draft again (it leaves the pages and the feed)."""
    require_cooperative_staff(actor)
    post = NewsPost.objects.select_for_update().get(pk=post.pk)
    if post.published_at is None:
        raise ValidationError(_("Die Meldung ist bereits ein Entwurf."))
    before = snapshot(post, ("published_at",))
    post.published_at = None
    post.updated_by = actor if actor is not None and actor.is_authenticated else None
    post.save(update_fields=["published_at", "updated_by", "updated_at"])
    audit_record(
        tenant=cooperative_get(),
        actor=actor,
        action="news.withdraw",
        obj=post,
        before=before,
        after={"published_at": None},
    )
    return post


# --- contact form ------------------------------------------------------------------------


@transaction.atomic
def contact_message_submit(
    *, name: str, email: str, subject: str, message: str, base_url: str = ""
) -> ContactMessage:
    """Store the message and owe the office an e-mail about it (sent after the commit). The
    spam checks (honeypot, fill time, rate limit) are the caller's, before this."""
    row = ContactMessage(
        name=name.strip(), email=email.strip(), subject=subject.strip(), message=message.strip()
    )
    row.full_clean()
    row.save()
    cooperative = cooperative_get()
    mail, _created = outbox.owe(
        kind=CONTACT_MAIL_KIND,
        tenant=cooperative,
        subject=row,
        recipient=cooperative.email if cooperative else "",
        base_url=base_url,
        new_subject=True,
        dedupe_key=f"{CONTACT_MAIL_KIND}:{row.public_id}",
    )
    audit_record(
        tenant=cooperative,
        actor=None,
        action="contact_message.received",
        obj=row,
        after={"mail_status": mail.status},
    )
    return row


def contact_messages_delete_expired(
    *, today: datetime.date | None = None, dry_run: bool = False
) -> int:
    """Delete the contact messages older than `CONTACT_RETENTION_DAYS` with their e-mails
    (the privacy notice promises it); the number deleted (or due, with `dry_run`)."""
    today = today or timezone.localdate()
    cutoff = timezone.make_aware(
        datetime.datetime.combine(
            today - datetime.timedelta(days=CONTACT_RETENTION_DAYS), datetime.time()
        )
    )
    due = ContactMessage.objects.filter(created_at__lt=cutoff)
    count = due.count()
    if count and not dry_run:
        with transaction.atomic():
            for row in due:
                row.delete()
            audit_record(
                tenant=cooperative_get(),
                actor=None,
                action="contact_message.retention",
                obj=cooperative_get() or ContactMessage(),
                after={"deleted": count, "before": cutoff},
            )
    return count


def build_contact_email(row: OutboxMail) -> EmailMessage:
    message = ContactMessage.objects.get(pk=row.subject_id)
    return outbox.render_email(
        "website/email/contact_message",
        {"message": message, "base_url": row.base_url},
        to=[row.recipient],
        reply_to=[message.email],
    )


outbox.register(
    CONTACT_MAIL_KIND,
    build=build_contact_email,
    audit="contact_message",
    label=gettext_lazy("Kontaktanfrage an die Geschäftsstelle"),
    reference=lambda row: str(row.subject.public_id) if row.subject else "",
    current_recipient=lambda row: cooperative_get().email if cooperative_get() else "",
)
