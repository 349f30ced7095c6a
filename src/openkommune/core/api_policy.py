"""Per-endpoint policy of the API, declared next to the route, enforced by the api layer.

- Body size: every `/api/v1` operation accepts at most `API_BODY_LIMIT` bytes; an endpoint
  that needs more (or wants less) says so with `@body_limit(n)`. `openkommune.api.input`
  refuses a larger body with 413 (a declared Content-Length before anything reads the body,
  a body without one by its received size) and documents the limit in the OpenAPI
  document.
- Caching: every `/api/v1` response carries `Cache-Control: no-store` (it may hold personal
  data), except operations of public reference data marked with `public_response` (for a
  whole router: `router.add_decorator(public_response, mode="operation")`);
  see `openkommune.api.caching`.

The markers live in core so that every app's router can use them without importing the api
layer above it.
"""

from __future__ import annotations

from collections.abc import Callable

# Enough for every JSON request of the API (a notice's 20,000 characters even when each is
# sent as a six-byte \uXXXX escape); files are not sent through the API.
API_BODY_LIMIT = 256 * 1024

_ATTRIBUTE = "_openkommune_body_limit"


def body_limit(max_bytes: int) -> Callable:
    """Mark an API handler that accepts request bodies up to `max_bytes` bytes."""
    if max_bytes <= 0:
        raise ValueError("max_bytes must be positive")

    def mark(view):
        setattr(view, _ATTRIBUTE, max_bytes)
        return view

    return mark


def body_limit_of(view) -> int:
    """The largest body `view` accepts, in bytes."""
    return getattr(view, _ATTRIBUTE, API_BODY_LIMIT)


def declared_body_size(request) -> int:
    """The size the client declared (Content-Length), 0 without one. Under WSGI Django reads
    no more than that; under ASGI a body without Content-Length (chunked) is read whole, so
    the api layer also measures the body it received."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


_PUBLIC = "_openkommune_public_response"


def public_response(view):
    """Mark an API handler whose responses are the same for everyone (public reference
    data): they may be cached, so they get no `no-store`."""
    setattr(view, _PUBLIC, True)
    return view


def is_public_response(view) -> bool:
    return getattr(view, _PUBLIC, False)
