"""The one PDF renderer: a template (or HTML) to PDF/UA-1 bytes with WeasyPrint.

PDF/UA-1 makes WeasyPrint tag the structure (headings, tables) and write the title and
language (from `<title>` and `<html lang="de">`) into the metadata. Templates are rendered
in German: jobs and services run without a request's locale.

WeasyPrint would fetch any `file://`, `http(s)://` or `ftp://` URL a document names; the
documents carry text that applicants typed, so `_fetcher` allows only `data:` URLs and
the project's own static files (`{% static %}` paths, read from disk) and refuses the rest.
"""

from __future__ import annotations

import logging
import mimetypes
import threading
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)

# Relative URLs (`/static/…` from `{% static %}`) resolve against this origin; it is never
# contacted, `_fetcher` maps its static paths to files on disk.
BASE_URL = "https://openkommune.invalid/"
_MAX_STATIC_BYTES = 20 * 1024 * 1024


class RefusedURL(ValueError):
    """A URL the PDF renderer does not fetch; WeasyPrint skips the resource."""


def _without_query(url: str) -> str:
    if url.startswith("data:"):
        return "data:…"
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"[:200]


def _static_file(url: str) -> Path | None:
    """The file on disk behind a static URL on `BASE_URL`, or None."""
    base = urlsplit(BASE_URL)
    parts = urlsplit(url)
    static_path = urlsplit(settings.STATIC_URL).path or "/static/"
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    if not parts.path.startswith(static_path):
        return None
    relative = unquote(parts.path[len(static_path) :])
    if not relative or "\\" in relative or "\x00" in relative:
        return None
    if any(segment in {"", ".", ".."} for segment in relative.split("/")):
        return None
    if settings.STATIC_ROOT:
        root = Path(settings.STATIC_ROOT).resolve()
        collected = (root / relative).resolve()
        if collected.is_relative_to(root) and collected.is_file():
            return collected
    found = finders.find(relative)
    if found and Path(found).is_file():
        return Path(found)
    return None


@cache
def _fetcher_class():
    # Imported here on purpose, see `html_to_pdf`.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ProjectFetcher(URLFetcher):
        """`data:` URLs and the project's static files; everything else is refused."""

        def fetch(self, url, headers=None):
            if url[:5].lower() == "data:":
                return super().fetch(url, headers)
            path = _static_file(url)
            if path is not None and path.stat().st_size <= _MAX_STATIC_BYTES:
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    url, path.read_bytes(), headers={"Content-Type": content_type}
                )
            logger.warning("PDF: resource not fetched: %s", _without_query(url))
            raise RefusedURL("URL not allowed in PDF documents")

    return ProjectFetcher


_per_thread = threading.local()


def _font_config():
    """One WeasyPrint font configuration per thread, kept: setting one up (fontconfig, the
    Pango font map) costs more than laying out a short document. Documents add no fonts of
    their own (no `@font-face`), so it holds nothing of the last document; Pango objects are
    not shared between threads."""
    # Imported here on purpose, see `html_to_pdf`.
    from weasyprint.text.fonts import FontConfiguration

    config = getattr(_per_thread, "font_config", None)
    if config is None:
        config = _per_thread.font_config = FontConfiguration()
    return config


def render_html(template: str, context: dict) -> str:
    """The template rendered in German."""
    with translation.override("de"):
        return render_to_string(template, context)


def html_to_pdf(html: str, *, identifier: str = "") -> bytes:
    """PDF/UA-1 bytes of `html`. `identifier` (e.g. a reference number) becomes the PDF's
    file identifier, so the same document keeps the same one."""
    # Imported here on purpose: WeasyPrint loads Pango and fonts, which only the few
    # requests and jobs that make a PDF need.
    from weasyprint import HTML

    options = {"pdf_variant": "pdf/ua-1"}
    if identifier:
        options["pdf_identifier"] = identifier.encode("ascii", "ignore") or b"x"
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher_class()())
    return document.write_pdf(font_config=_font_config(), **options)


def render_pdf(template: str, context: dict, *, identifier: str = "") -> bytes:
    """PDF/UA-1 bytes of `template` rendered (in German) with `context`."""
    return html_to_pdf(render_html(template, context), identifier=identifier)
