"""The one PDF renderer: a template (or HTML) to PDF/UA-1 bytes with WeasyPrint.

PDF/UA-1 makes WeasyPrint tag the structure (headings, tables) and write the title and
language (from `<title>` and `<html lang="de">`) into the metadata. Templates are rendered
in German: jobs and services run without a request's locale.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation


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
    return HTML(string=html).write_pdf(**options)


def render_pdf(template: str, context: dict, *, identifier: str = "") -> bytes:
    """PDF/UA-1 bytes of `template` rendered (in German) with `context`."""
    return html_to_pdf(render_html(template, context), identifier=identifier)
