"""Swagger UI pages for the platform's APIs, from the static files django-ninja ships.

No CDN and no inline script: the page loads `ninja/swagger-ui-bundle.js` and
`ninja/swagger-ui-init.js` from the platform itself, which the Content-Security-Policy
(`script-src 'self'`) allows. The settings travel as a JSON data block the init script reads.
`validatorUrl: null` keeps Swagger UI from asking validator.swagger.io about the document.
Accessibility (WCAG 2.1 AA, axe-clean): `openkommune/api/swagger-a11y.css` raises the contrast
of Swagger UI's texts, `openkommune/api/swagger-a11y.js` names the server choice, and deep
links are off so that no link sits inside an operation's expand button.
"""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import DocsBase

SWAGGER_SETTINGS: dict[str, Any] = {
    "layout": "BaseLayout",
    # Deep links would put a link (<a href="#/tag/operation">) inside the button that expands
    # an operation: a focusable control in a control (axe `nested-interactive`), which screen
    # readers and keyboards handle badly. Without them the row is one plain button.
    "deepLinking": False,
    "validatorUrl": None,
}


def render_swagger(request: HttpRequest, *, title: str, openapi_url: str) -> HttpResponse:
    settings = {**SWAGGER_SETTINGS, "url": openapi_url}
    # "<" escaped so that the JSON can never close the <script> data block.
    encoded = json.dumps(settings).replace("<", "\\u003c")
    return render(
        request,
        "api/swagger.html",
        {"title": title, "openapi_url": openapi_url, "swagger_settings": encoded},
    )


class SwaggerDocs(DocsBase):
    """django-ninja's `docs=` hook, rendering the page above for a NinjaAPI."""

    def render_page(self, request: HttpRequest, api, **kwargs: Any) -> HttpResponse:
        return render_swagger(
            request, title=api.title, openapi_url=self.get_openapi_url(api, kwargs)
        )
