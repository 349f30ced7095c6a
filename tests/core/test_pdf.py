"""The PDF renderer fetches only `data:` URLs and the project's static files."""

from __future__ import annotations

import logging
import urllib.request

import pytest

from openkommune.core import pdf
from tests.submissions.factories import pdf_objects, pdf_text

# A 1x1 PNG.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"


@pytest.fixture
def opened(monkeypatch):
    """Every URL WeasyPrint's fetcher hands to urllib (file, http, ftp and data alike)."""
    urls: list[str] = []
    original = urllib.request.OpenerDirector.open

    def recording_open(self, fullurl, *args, **kwargs):
        urls.append(getattr(fullurl, "full_url", fullurl))
        return original(self, fullurl, *args, **kwargs)

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", recording_open)
    return urls


def test_file_and_http_urls_are_not_fetched(opened, caplog):
    html = (
        '<html lang="de"><head><title>Probe</title>'
        '<link rel="stylesheet" href="file:///etc/passwd">'
        "<style>body { background: url(http://127.0.0.1:1/hintergrund.png) }</style>"
        '</head><body><h1>Probe</h1><img src="file:///etc/passwd" alt="">'
        '<img src="http://127.0.0.1:1/x?token=geheim" alt="">'
        '<img src="ftp://127.0.0.1:1/y" alt=""><img src="/../../etc/passwd" alt="">'
        "</body></html>"
    )
    with caplog.at_level(logging.WARNING, logger="openkommune.core.pdf"):
        document = pdf.html_to_pdf(html)

    assert document.startswith(b"%PDF")
    assert opened == []
    refused = [r.getMessage() for r in caplog.records if r.name == "openkommune.core.pdf"]
    assert any("file:///etc/passwd" in message for message in refused)
    assert any("http://127.0.0.1:1/x" in message for message in refused)
    assert not any("geheim" in message for message in refused)


def test_data_urls_are_embedded(opened):
    document = pdf.html_to_pdf(
        '<html lang="de"><head><title>Probe</title></head><body>'
        f'<img src="data:image/png;base64,{PNG}" alt="Punkt"></body></html>'
    )
    assert [url[:5] for url in opened] == ["data:"]
    assert "/Subtype /Image" in pdf_objects(document)


def test_static_files_are_read_from_disk(opened, settings, tmp_path):
    (tmp_path / "druck").mkdir()
    (tmp_path / "druck" / "pdf.css").write_text('h1::after { content: "Stilprobe" }')
    (tmp_path.parent / "ausserhalb.css").write_text('h1::after { content: "Fremd" }')
    settings.STATIC_ROOT = tmp_path

    document = pdf.html_to_pdf(
        '<html lang="de"><head><title>Probe</title>'
        '<link rel="stylesheet" href="/static/druck/pdf.css">'
        '<link rel="stylesheet" href="/static/../ausserhalb.css">'
        '<link rel="stylesheet" href="/static/druck/%2e%2e/../ausserhalb.css">'
        "</head><body><h1>Titel</h1></body></html>"
    )

    assert opened == []
    text = pdf_text(document)
    assert "Stilprobe" in text
    assert "Fremd" not in text


def test_the_fetcher_refuses_other_hosts_even_with_a_static_path():
    fetcher = pdf._fetcher_class()()
    with pytest.raises(pdf.RefusedURL):
        fetcher("http://127.0.0.1:1/static/openkommune/site.css")
    with pytest.raises(pdf.RefusedURL):
        fetcher("file:///etc/passwd")
    assert fetcher(pdf.BASE_URL + "static/openkommune/site.css").read()
