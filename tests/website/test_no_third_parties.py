"""No third-party requests from the cooperative's pages: every resource the HTML loads is our
own, the map is a plain link, and the Content-Security-Policy forbids anything else."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.tenancy.factories import cooperative
from tests.website.helpers import published_post

pytestmark = pytest.mark.django_db

# Attributes that make the browser fetch something by itself (links only on click).
LOADING = {
    "script": "src",
    "img": "src",
    "iframe": "src",
    "link": "href",
    "source": "src",
    "video": "src",
    "audio": "src",
    "embed": "src",
    "object": "data",
}


class Resources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        attribute = LOADING.get(tag)
        if attribute and attrs.get(attribute):
            self.urls.append(attrs[attribute])
        if attrs.get("srcset"):
            self.urls.append(attrs["srcset"])
        if attrs.get("style") and "url(" in attrs["style"]:
            self.urls.append(attrs["style"])


def test_pages_load_only_own_resources_and_the_csp_forbids_others(client):
    organisation = cooperative()
    organisation.street, organisation.postcode, organisation.city = "Markt 1", "39104", "Magdeburg"
    organisation.save()
    published_post(title="Ohne Dritte")
    for url in (
        reverse("website:contact"),
        reverse("website:news_index"),
        reverse("website:news_detail", args=["ohne-dritte"]),
        reverse("website:news_print", args=["ohne-dritte"]),
        reverse("reports:overview"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        parser = Resources()
        parser.feed(response.text)
        assert parser.urls, url
        for resource in parser.urls:
            assert resource.startswith("/"), (url, resource)
            assert not resource.startswith("//"), (url, resource)
        policy = response["Content-Security-Policy"]
        directives = {
            part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()
        }
        assert directives["default-src"] == ["'self'"]
        for name in ("img-src", "style-src", "font-src"):
            assert all(source in {"'self'", "data:"} for source in directives[name]), policy
    contact = client.get(reverse("website:contact")).text
    assert "openstreetmap.org" in contact
    # The map is a link the visitor follows, not something the page loads.
    assert "<iframe" not in contact
    assert "tile.openstreetmap" not in contact
