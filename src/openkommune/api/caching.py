"""`Cache-Control: no-store` on every API response that is not public reference data.

Most of the API answers with personal data (applications, cases, members' procurement), and
errors may echo what was sent: neither may stay in a browser's or a proxy's cache. Operations
marked `public_response` (`openkommune.core.api_policy`) keep the default caching.
"""

from __future__ import annotations

from functools import wraps

from django.utils.cache import add_never_cache_headers

from openkommune.api.input import operation_of
from openkommune.core.api_policy import is_public_response


def no_store_unless_public(run):
    """Decorator of `Operation.run` (`api.add_decorator(..., mode="view")`)."""
    operation = operation_of(run)

    @wraps(run)
    def marked(request, *args, **kwargs):
        response = run(request, *args, **kwargs)
        # Read now, not when wrapping: a router-level marker is applied after this decorator.
        if not is_public_response(operation.view_func):
            add_never_cache_headers(response)
        return response

    return marked
