"""Reads of the cooperative's website: what the public sees (published posts only) and what
staff see (every post), and the office's contact data (from the cooperative's organisation)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from openkommune.core import vcard
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.selectors import cooperative_get
from openkommune.website.models import NewsPost, Tag


def news_published_list(*, tag: Tag | None = None) -> QuerySet[NewsPost]:
    """The posts public now (publication date reached), newest first, with their tags."""
    posts = NewsPost.objects.filter(published_at__lte=timezone.now())
    if tag is not None:
        posts = posts.filter(tags=tag)
    return posts.order_by("-published_at", "-id").prefetch_related("tags")


def news_published_get(*, slug: str) -> NewsPost:
    """A public post; raises NewsPost.DoesNotExist for drafts and scheduled posts too."""
    return news_published_list().get(slug=slug)


def news_list_for_staff() -> QuerySet[NewsPost]:
    """Every post, drafts first, then newest publication first."""
    return NewsPost.objects.all().prefetch_related("tags").select_related("updated_by")


def news_get(*, public_id) -> NewsPost:
    """Any post by its public id (staff); raises NewsPost.DoesNotExist, also for a bad id."""
    try:
        return NewsPost.objects.prefetch_related("tags").get(public_id=public_id)
    except (ValueError, TypeError) as error:
        raise NewsPost.DoesNotExist(str(error)) from error


def tag_get(*, slug: str) -> Tag:
    return Tag.objects.get(slug=slug)


def tags_in_use() -> QuerySet[Tag]:
    """The Stichwörter of public posts, with how many public posts carry each."""
    now = timezone.now()
    public = Q(posts__published_at__lte=now)
    return (
        Tag.objects.annotate(public_posts=Count("posts", filter=public))
        .filter(public_posts__gt=0)
        .order_by("name")
    )


@dataclass(frozen=True)
class Office:
    """The cooperative's office as the contact page shows it."""

    organisation: Organisation

    @property
    def name(self) -> str:
        return self.organisation.name

    @property
    def has_address(self) -> bool:
        return bool(self.organisation.street and self.organisation.city)

    @property
    def address_line(self) -> str:
        o = self.organisation
        return ", ".join(part for part in (o.street, f"{o.postcode} {o.city}".strip()) if part)

    @property
    def map_url(self) -> str:
        """The address searched on openstreetmap.org: a plain link the visitor follows,
        nothing is loaded from there into our pages."""
        return "https://www.openstreetmap.org/search?" + urlencode({"query": self.address_line})

    def vcard_contact(self) -> vcard.Contact:
        o = self.organisation
        return vcard.Contact(
            name=o.name,
            uid=f"urn:uuid:{o.public_id}",
            unit="Geschäftsstelle",
            street=o.street,
            postcode=o.postcode,
            city=o.city,
            email=o.email,
            phone=o.phone,
            url=o.website,
            note="Demo-Daten" if o.is_demo else "",
            revised=o.updated_at,
        )


def office_get() -> Office | None:
    """The office of the cooperative, None while the platform has no cooperative."""
    cooperative = cooperative_get()
    return Office(cooperative) if cooperative else None
