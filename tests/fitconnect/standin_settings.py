"""Settings of the stand-in Zustelldienst's set-up (tests/fitconnect/standin.py): the
platform's own settings, with the tables made straight from the models (`migrate
--run-syncdb`) instead of replaying every migration, which takes minutes on a busy machine."""

from openkommune.settings import *  # noqa: F403


class _NoMigrations(dict):
    def __contains__(self, item):
        return True

    def __getitem__(self, item):
        return None


MIGRATION_MODULES = _NoMigrations()
