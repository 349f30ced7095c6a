"""Swagger UI at /api/v1/docs and /fit-connect/v1/docs: own static files, allowed by the CSP."""

import json
import re

import pytest
from django.contrib.staticfiles import finders

PAGES = [
    ("/api/v1/docs", "/api/v1/openapi.json"),
    ("/fit-connect/v1/docs", "/fit-connect/v1/openapi.json"),
]


@pytest.mark.parametrize(("path", "openapi_url"), PAGES)
def test_docs_page_loads_only_own_files(client, path, openapi_url):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(ref.endswith("swagger-ui-bundle.js") for ref in references)
    assert any(ref.endswith("swagger-ui.css") for ref in references)
    for ref in references:
        assert ref.startswith("/"), f"external or relative reference {ref}"
    # The static files the page names are really shipped (django-ninja's).
    for name in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/swagger-ui.css"):
        assert finders.find(name), name
    # Our accessibility stylesheet comes after Swagger UI's (it overrides colours), our script
    # after Swagger UI's; both are our own static files.
    styles = [ref for ref in references if ref.endswith(".css")]
    assert styles[-1].endswith("openkommune/api/swagger-a11y.css"), styles
    assert any(ref.endswith("openkommune/api/swagger-a11y.js") for ref in references)
    for name in ("openkommune/api/swagger-a11y.css", "openkommune/api/swagger-a11y.js"):
        assert finders.find(name), name
    settings_block = re.search(
        r'<script type="application/json" id="swagger-settings">(.*?)</script>', html, re.S
    )
    settings = json.loads(settings_block.group(1))
    assert settings["url"] == openapi_url
    # No request to validator.swagger.io.
    assert settings["validatorUrl"] is None
    # No deep links: they would put a link inside each operation's expand button.
    assert settings["deepLinking"] is False
    # No inline executable script: every <script> is a file or the JSON data block.
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


@pytest.mark.parametrize(("path", "openapi_url"), PAGES)
def test_csp_allows_the_page_and_nothing_external(client, path, openapi_url):
    policy = client.get(path)["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert "'self'" in directives["script-src"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]


@pytest.mark.parametrize(("path", "openapi_url"), PAGES)
def test_the_described_document_is_served(client, path, openapi_url):
    response = client.get(openapi_url)
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["paths"]
