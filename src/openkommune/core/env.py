"""The one place that reads environment variables.

Every variable read here is listed in `.env.example` and `docs/configuration.md`.
Defaults are safe for production; development conveniences must be switched on explicitly.
"""

import json
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required.")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_json(name: str, default: dict) -> dict:
    """A JSON object (e.g. a storage back end's options)."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = json.loads(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a JSON object, got {raw!r}.") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object, got {raw!r}.")
    return value


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else default


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = env_str(name, default).strip().lower() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {value!r}.")
    return value


def database_from_url(url: str, *, base_dir: Path, conn_max_age: int = 60) -> dict:
    """Translate `sqlite:///path` or `postgres://user:pw@host:port/name` into Django settings."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        raw_path = unquote(parsed.path)
        # sqlite:///var/db.sqlite3 is relative to the project, sqlite:////abs/path absolute.
        path = Path(raw_path[1:]) if raw_path.startswith("//") else Path(raw_path.lstrip("/"))
        if not path.is_absolute():
            path = base_dir / path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            "OPTIONS": {
                # Writers take the lock at BEGIN, so concurrent requests queue instead of failing.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
            "TEST": {"NAME": str(path.with_name("test_" + path.name))},
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "openkommune",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            # Connections are kept for this many seconds and checked before a request reuses
            # one, so requests reconnect by themselves after a PostgreSQL restart.
            "CONN_MAX_AGE": conn_max_age,
            "CONN_HEALTH_CHECKS": True,
            # An unreachable server fails the request quickly (German 503) instead of hanging.
            "OPTIONS": {"connect_timeout": 5},
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {parsed.scheme!r} is not supported (use sqlite or postgres)."
    )


def cache_from_redis_url(url: str, *, key_prefix: str) -> dict:
    """`CACHES` for Django's RedisCache at `redis://host:port/db` (sessions and cache shared by
    every web process). Short socket timeouts: a Redis that does not answer fails the request
    (and `/readyz`) within seconds instead of holding a worker thread."""
    if urlparse(url).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(
            f"OPENKOMMUNE_REDIS_URL must start with redis://, rediss:// or unix://, got {url!r}."
        )
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": key_prefix,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }


def require_secret_key() -> None:
    """Called by the WSGI/ASGI entry points: never serve requests without a secret key."""
    if not os.environ.get("OPENKOMMUNE_SECRET_KEY"):
        raise ImproperlyConfigured(
            "OPENKOMMUNE_SECRET_KEY is not set. Generate one with "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
