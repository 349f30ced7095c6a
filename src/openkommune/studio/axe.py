"""axe-core in Chromium for the publish gate (ADR 0036): the pages come as HTML rendered in
this process; the browser gets them and the platform's static files through Playwright's
request routing from an address that exists only inside the browser, so no server, no
login and no network are involved. Runs only in a job (`studio.tasks`), never in a request.

Nothing here passes silently: a missing Chromium, Playwright or axe-core raises
`AxeUnavailable` with a German message, which the gate run shows and which blocks
publishing."""

from __future__ import annotations

import json
import mimetypes
import os
import queue
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.translation import gettext as _

# The pages' address inside the browser (`.invalid` never resolves, RFC 2606).
ORIGIN = "http://formular-pruefung.invalid"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGE_TIMEOUT_MS = 30_000


class AxeUnavailable(Exception):
    """The accessibility check cannot run here; the message (German) says why."""


@dataclass(frozen=True)
class PageToCheck:
    title: str
    path: str
    html: str


def chromium_path() -> str | None:
    configured = settings.CHROMIUM_PATH
    if Path(configured).is_file() and os.access(configured, os.X_OK):
        return configured
    return shutil.which(configured)


def check_available() -> None:
    """Raise AxeUnavailable (German) when Chromium, Playwright or axe-core is missing."""
    if chromium_path() is None:
        raise AxeUnavailable(
            _(
                "Chromium ist auf diesem Server nicht installiert (erwartet unter %(path)s, "
                "Einstellung OPENKOMMUNE_CHROMIUM). Ohne Browser kann die Barrierefreiheit "
                "nicht geprüft werden; die Veröffentlichung bleibt gesperrt. Bitte lassen Sie "
                "Chromium installieren („make chromium“)."
            )
            % {"path": settings.CHROMIUM_PATH}
        )
    if not Path(settings.AXE_JS_PATH).is_file():
        raise AxeUnavailable(
            _(
                "axe-core ist auf diesem Server nicht installiert (erwartet unter %(path)s, "
                "Einstellung OPENKOMMUNE_AXE_JS; „make deps“ installiert es). Die "
                "Veröffentlichung bleibt gesperrt."
            )
            % {"path": settings.AXE_JS_PATH}
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        raise AxeUnavailable(
            _(
                "Playwright ist auf diesem Server nicht installiert; ohne Playwright kann "
                "Chromium die Seiten nicht prüfen. Die Veröffentlichung bleibt gesperrt."
            )
        ) from error


def _static_file(path: str) -> Path | None:
    """The file behind a static URL path (`/static/kern/…`), from the finders (development)
    or STATIC_ROOT (collected, possibly with hashed names)."""
    prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"
    if not path.startswith(prefix):
        return None
    relative = path[len(prefix) :]
    if ".." in relative.split("/"):
        return None
    found = finders.find(relative)
    if found:
        return Path(found)
    collected = Path(settings.STATIC_ROOT) / relative
    return collected if collected.is_file() else None


def run_axe(
    pages: Iterable[PageToCheck], *, on_page: Callable[[int, PageToCheck], None] | None = None
) -> list[dict]:
    """Check each page for WCAG 2.1 A/AA with axe-core; one result per page:
    `{"title", "path", "violations": [{"id", "impact", "help", "description", "nodes"}]}`.
    `on_page(index, page)` is called before each page (progress), in the calling thread.

    Playwright's sync API runs an event loop in its thread, where Django refuses database
    calls; so the browser works in a thread of its own and reports here, where `on_page`
    may write to the database with the caller's connection."""
    check_available()
    pages = list(pages)
    events: queue.Queue = queue.Queue()
    worker = threading.Thread(
        target=_browser_session, args=(pages, events), name="axe-gate", daemon=True
    )
    worker.start()
    results: list[dict] = []
    while True:
        kind, payload = events.get()
        if kind == "page":
            if on_page is not None:
                on_page(payload, pages[payload])
        elif kind == "result":
            results.append(payload)
        elif kind == "error":
            worker.join()
            raise payload
        else:  # done
            worker.join()
            return results


def _browser_session(pages: list[PageToCheck], events: queue.Queue) -> None:
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # checked before; a broken installation
        events.put(("error", AxeUnavailable(str(error))))
        return
    by_path = {page.path: page for page in pages}

    def serve(route):
        url = route.request.url
        path = url[len(ORIGIN) :] if url.startswith(ORIGIN) else None
        if path is None:
            route.abort()
            return
        page = by_path.get(path)
        if page is not None:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=page.html)
            return
        file = _static_file(path.split("?", 1)[0])
        if file is None:
            route.fulfill(status=404, body="")
            return
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        route.fulfill(status=200, content_type=content_type, body=file.read_bytes())

    try:
        axe_source = Path(settings.AXE_JS_PATH).read_text(encoding="utf-8")
        # axe-core's own German texts (help, description, how to fix), where installed.
        locale_file = Path(settings.AXE_JS_PATH).parent / "locales" / "de.json"
        locale = (
            json.loads(locale_file.read_text(encoding="utf-8")) if locale_file.is_file() else None
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
            )
            try:
                context = browser.new_context(locale="de-DE")
                context.set_default_timeout(PAGE_TIMEOUT_MS)
                context.route("**/*", serve)
                tab = context.new_page()
                for index, page in enumerate(pages):
                    events.put(("page", index))
                    tab.goto(ORIGIN + page.path, wait_until="load")
                    tab.evaluate(axe_source)
                    if locale is not None:
                        tab.evaluate("(locale) => axe.configure({locale})", locale)
                    outcome = tab.evaluate(
                        "async (tags) => await axe.run(document, "
                        "{runOnly: {type: 'tag', values: tags}})",
                        WCAG_21_AA,
                    )
                    events.put(
                        (
                            "result",
                            {
                                "title": page.title,
                                "path": page.path,
                                "violations": [_violation(v) for v in outcome["violations"]],
                            },
                        )
                    )
            finally:
                browser.close()
    except PlaywrightError as error:
        events.put(
            (
                "error",
                AxeUnavailable(
                    _("Chromium konnte die Seiten nicht prüfen: %(error)s")
                    % {"error": str(error).splitlines()[0][:300]}
                ),
            )
        )
        return
    except Exception as error:  # reported to the caller's thread, never swallowed
        events.put(("error", error))
        return
    events.put(("done", None))


def _violation(raw: dict) -> dict:
    return {
        "id": raw["id"],
        "impact": raw.get("impact") or "",
        "help": raw.get("help", ""),
        "description": raw.get("description", ""),
        "nodes": [
            {
                "target": " ".join(str(part) for part in node.get("target", [])),
                "html": node.get("html", "")[:300],
                "summary": node.get("failureSummary", "")[:1000],
            }
            for node in raw.get("nodes", [])[:10]
        ],
    }
