"""Answers of hot public reads kept in Django's cache until the data they depend on changes
(docs/adr/0014-read-caches-keyed-by-data-versions.md).

Each kind of reference data has a version in the database (`DataVersion`, one row per
`Topic`). Every service that changes such data calls `data_changed(topic)` inside its own
transaction; `cached_read` stores an answer under the current versions of the topics it
depends on, read with one small query. So a change is visible at once in every process —
whatever the cache backend, local memory per process or a shared Redis — and the import or
admin action that made it needs no access to the web processes' caches. Versions are random
tokens, never counters: an entry cached under the token of a rolled-back transaction is
never met again. Keys also carry a fingerprint of the release's code and rule files: a
shared cache outlives a deploy, and an answer of the previous release (other rules, other
classes in the pickle) must not be served by the next.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from openkommune.core.models import DataVersion

PACKAGE = Path(__file__).resolve().parents[1]

logger = logging.getLogger(__name__)

# Bounds the memory of entries of old versions only; a current entry is replaced by a new
# version, never by age.
CACHE_SECONDS = 24 * 60 * 60
_MISSING = object()


class Topic(StrEnum):
    # OZG catalogue and LeiKa (import_catalog), regional responsibility overrides
    CATALOG = "catalog"
    # Territorial units and postcodes (import_regions)
    REGIONS = "regions"
    # The search documents and ranking data (rebuild_search_index)
    SEARCH_INDEX = "search_index"
    # Member organisations (name, contact, active) and the services they offer online
    ORGANISATIONS = "organisations"
    # Which form versions are published (form_version_publish, form_version_retire)
    FORMS = "forms"
    # The back office's settings per service: legal deadlines (service_deadline_set), fees
    # (fee_schedule_set)
    SERVICE_SETTINGS = "service_settings"


def data_changed(*topics: Topic) -> None:
    """Give each topic a new version; call inside the transaction that changes its data, so
    the new version is seen exactly when the change is."""
    for topic in topics:
        DataVersion.objects.update_or_create(
            topic=Topic(topic), defaults={"token": secrets.token_hex(8)}
        )


# Inside `versions_pinned`: the versions read by its first cached read, for the others.
_pinned: ContextVar[dict | None] = ContextVar("read_cache_pinned_versions", default=None)


@contextmanager
def versions_pinned() -> Iterator[None]:
    """The cached reads of the block share one read of the data versions (the first one's):
    one request's reads are answered as of one moment, with one small query instead of one
    per read. Keep the block short (one request); nested blocks share the outer one."""
    if _pinned.get() is not None:
        yield
        return
    token = _pinned.set({})
    try:
        yield
    finally:
        _pinned.reset(token)


def _tokens() -> dict[str, str]:
    pinned = _pinned.get()
    if pinned:
        return pinned
    tokens = dict(DataVersion.objects.values_list("topic", "token"))
    if pinned is not None:
        pinned.update(tokens or {"": ""})  # an empty table is a snapshot too
    return tokens


def data_versions(topics: Iterable[Topic]) -> str:
    """The current versions of `topics` as one key part ("0" for a topic never changed)."""
    tokens = _tokens()
    return ".".join(tokens.get(Topic(topic), "0") for topic in topics)


@functools.cache
def code_fingerprint(package: Path = PACKAGE) -> str:
    """A hash of the Python modules and text data files (rules, vocabulary) of `package`:
    the same on every machine running one release, another after any change of them."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(package.rglob("*")):
        if path.suffix in {".py", ".txt"} and path.is_file():
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def cached_read[T](
    name: str,
    key: tuple,
    *,
    topics: Iterable[Topic],
    compute: Callable[[], T],
    in_process: bool = False,
) -> T:
    """The answer of `compute()` for the read `name` with arguments `key` (anything with a
    stable `repr`), from the cache while the versions of `topics` are unchanged.

    `in_process`: also keep the answer in this process (a bounded dict in front of the
    shared cache, under the same key with the same versions, so it is exactly as fresh):
    a hit costs neither a round trip to Redis nor unpickling. Every caller then gets the
    same object — only for answers nobody changes (the submit's route and form version).

    A cache that cannot be reached is a slower answer, not an error."""
    digest = hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
    # The active language is part of the key: an answer may hold translated text.
    language = translation.get_language() or settings.LANGUAGE_CODE
    cache_key = f"read:{code_fingerprint()}:{language}:{name}:{digest}:{data_versions(topics)}"
    if in_process:
        value = _local.get(cache_key, _MISSING)
        if value is not _MISSING:
            return value
    try:
        value = cache.get(cache_key, _MISSING)
    except Exception:  # any backend error: answer from the database
        logger.warning("read cache unavailable, answering %s uncached", name, exc_info=True)
        return compute()
    if value is _MISSING:
        value = compute()
        try:
            cache.set(cache_key, value, CACHE_SECONDS)
        except Exception:
            logger.warning("read cache unavailable, %s not stored", name, exc_info=True)
    if in_process:
        if len(_local) >= LOCAL_LIMIT:
            _local.clear()  # entries of old versions go with the others; refilled on demand
        _local[cache_key] = value
    return value


# The in-process layer of `cached_read(in_process=True)`.
LOCAL_LIMIT = 512
_local: dict[str, object] = {}


def clear_in_process() -> None:
    """Forget the in-process layer (tests that change data without a new version)."""
    _local.clear()
