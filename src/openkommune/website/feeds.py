"""The Atom 1.0 feed of Aktuelles (RFC 4287), with Django's syndication framework."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from openkommune.website import selectors
from openkommune.website.constants import FEED_SIZE


class NewsFeed(Feed):
    feed_type = Atom1Feed

    def title(self):
        office = selectors.office_get()
        name = office.name if office else "OpenKommune"
        return _("Aktuelles – %(name)s") % {"name": name}

    def subtitle(self):
        return _("Meldungen der Genossenschaft")

    def link(self):
        return reverse("website:news_index")

    def feed_url(self):
        return reverse("website:news_feed")

    def author_name(self):
        office = selectors.office_get()
        return office.name if office else "OpenKommune"

    def items(self):
        return selectors.news_published_list()[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return reverse("website:news_detail", args=[item.slug])

    def item_guid(self, item):
        return f"urn:uuid:{item.public_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return max(item.updated_at, item.published_at)

    def item_categories(self, item):
        return [tag.name for tag in item.tags.all()]
