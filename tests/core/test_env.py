from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from openkommune.core.env import (
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    require_secret_key,
)


def test_sqlite_url_is_relative_to_the_project_and_uses_wal_and_immediate_transactions():
    config = database_from_url("sqlite:///var/db.sqlite3", base_dir=Path("/srv/app"))
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/app/var/db.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


def test_sqlite_url_with_absolute_path():
    config = database_from_url("sqlite:////data/ok.sqlite3", base_dir=Path("/srv/app"))
    assert config["NAME"] == "/data/ok.sqlite3"


def test_postgres_url_is_split_into_parts():
    config = database_from_url(
        "postgres://ok%40user:p%2Fw@db.internal:6543/openkommune", base_dir=Path("/")
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"]) == ("ok@user", "p/w")
    assert (config["HOST"], config["PORT"], config["NAME"]) == (
        "db.internal",
        "6543",
        "openkommune",
    )


def test_unknown_database_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="mysql"):
        database_from_url("mysql://x/y", base_dir=Path("/"))


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("1", True), ("no", False), ("", False)]
)
def test_env_bool_parses(monkeypatch, raw, expected):
    monkeypatch.setenv("OK_FLAG", raw)
    assert env_bool("OK_FLAG") is expected


def test_env_bool_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("OK_FLAG", "vielleicht")
    with pytest.raises(ImproperlyConfigured, match="OK_FLAG"):
        env_bool("OK_FLAG")


def test_env_list_drops_blanks(monkeypatch):
    monkeypatch.setenv("OK_HOSTS", " a.example , ,b.example")
    assert env_list("OK_HOSTS") == ["a.example", "b.example"]


def test_serving_without_secret_key_is_refused(monkeypatch):
    monkeypatch.delenv("OPENKOMMUNE_SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="OPENKOMMUNE_SECRET_KEY"):
        require_secret_key()


def test_env_int_parses_and_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("OK_PORT", "587")
    assert env_int("OK_PORT", 25) == 587
    monkeypatch.setenv("OK_PORT", "fünfundzwanzig")
    with pytest.raises(ImproperlyConfigured, match="OK_PORT"):
        env_int("OK_PORT", 25)
    monkeypatch.delenv("OK_PORT")
    assert env_int("OK_PORT", 25) == 25


def test_a_choice_is_checked(monkeypatch):
    monkeypatch.setenv("OPENKOMMUNE_LOG_FORMAT", "JSON")
    assert env_choice("OPENKOMMUNE_LOG_FORMAT", ("text", "json"), "text") == "json"
    monkeypatch.setenv("OPENKOMMUNE_LOG_FORMAT", "yaml")
    with pytest.raises(ImproperlyConfigured, match="text, json"):
        env_choice("OPENKOMMUNE_LOG_FORMAT", ("text", "json"), "text")


def test_postgres_connections_are_kept_checked_and_time_out():
    config = database_from_url("postgres://u@db/x", base_dir=Path("/"), conn_max_age=0)
    assert (config["CONN_MAX_AGE"], config["CONN_HEALTH_CHECKS"]) == (0, True)
    assert config["OPTIONS"]["connect_timeout"] == 5
