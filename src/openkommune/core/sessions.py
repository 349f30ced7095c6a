"""Sessions in the cache (Redis in the production profile) with one round trip fewer for a
new session.

Django's cache session store creates a session by drawing a key, asking the cache whether
it exists (EXISTS) and then adding it only if absent (`cache.add`, Redis `SET … NX`). The
add alone already refuses a key in use — the store then draws another key —, so the
question before it is a round trip to Redis that decides nothing. Every anonymous API
submission creates a session (`submissions.api`, the caller's idempotency secret), as does
every login (`cycle_key`): this store creates it with the add alone (issue 13, ADR 0040
amendment). Everything else is Django's `django.contrib.sessions.backends.cache`.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError
from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore
from django.utils.crypto import get_random_string

# As Django's store: give up after this many keys refused (a cache that refuses every add
# is unavailable; Redis raises instead).
_ATTEMPTS = 10000


class SessionStore(CacheSessionStore):
    def _fresh_key(self) -> str:
        # Django's key format (32 characters of [a-z0-9]), not checked against the cache:
        # the add that follows is the check.
        return get_random_string(32, VALID_KEY_CHARS)

    def create(self):
        for _attempt in range(_ATTEMPTS):
            self._session_key = self._fresh_key()
            try:
                self.save(must_create=True)
            except CreateError:
                continue  # the key was taken: draw another
            self.modified = True
            return
        raise RuntimeError("Unable to create a new session key; the cache is unavailable.")

    async def acreate(self):
        for _attempt in range(_ATTEMPTS):
            self._session_key = self._fresh_key()
            try:
                await self.asave(must_create=True)
            except CreateError:
                continue
            self.modified = True
            return
        raise RuntimeError("Unable to create a new session key; the cache is unavailable.")
