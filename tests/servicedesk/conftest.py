import pytest
from django.test import override_settings

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _immediate_tasks():
    """E-mails of the outbox are sent by their job right after the commit (no job worker)."""
    with override_settings(TASKS=IMMEDIATE):
        yield
