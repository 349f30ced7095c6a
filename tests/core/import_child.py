"""Uploads through an import page, in a fresh process that measures its own memory.

`python -m tests.core.import_child '<json>'` with {"page": "members" | "procurement",
"database": <name of the test database>, "files": {<name>: <path of an upload>}}. The process
sets up Django against the test database, logs in a user allowed to import (created in a
transaction that is rolled back at the end, so nothing stays), uploads a small bad file once
(so the page's code is loaded: the "idle" server), then each file, and prints one JSON line
with, per file: status, page text, CPU seconds of the upload, the resident set size just
before the upload and the peak resident set size during it (KB). The peak is the kernel's
high-water mark (VmHWM, what `getrusage` reports as ru_maxrss), reset before each upload
through /proc/self/clear_refs. Python's tracemalloc sees only Python objects; this counts all.
"""

from __future__ import annotations

import json
import os
import sys
import time


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} missing in /proc/self/status")


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")  # resets the high-water mark of the resident set


def _upload(client, url: str, data: bytes) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("tabelle.xlsx", data)
    _reset_peak()
    before = _status_kb("VmRSS")
    assert _status_kb("VmHWM") <= before + 1024, "the peak was not reset"
    started = time.process_time()
    response = client.post(url, {"datei": upload})
    seconds = time.process_time() - started
    return {
        "status": response.status_code,
        "content": response.content.decode(),
        "seconds": seconds,
        "rss_before_kb": before,
        "peak_rss_kb": _status_kb("VmHWM"),
    }


def _members_page():
    from django.urls import reverse

    from tests.accounts.factories import UserFactory

    return UserFactory(cooperative_staff=True), reverse("members:import")


def _procurement_page():
    from django.urls import reverse

    from tests.accounts.factories import UserFactory
    from tests.procurement.factories import ContractFactory

    contract = ContractFactory()
    url = reverse("procurement:catalog_import", args=[contract.public_id])
    return UserFactory(cooperative_staff=True), url


PAGES = {"members": _members_page, "procurement": _procurement_page}


def main(spec: dict) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openkommune.settings")
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = spec["database"]
    # Users are created here; Argon2 would take 100 MB for each password hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # As in tests/conftest.py: pages find static files without `collectstatic`.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    # As in the test session (tests/support/second_factor.py): force_login stands for a
    # completed login, the staff's second factor included.
    from tests.support import second_factor

    second_factor.pytest_configure(None)
    with transaction.atomic():
        user, url = PAGES[spec["page"]]()
        client = Client()
        client.force_login(user)
        warm_up = SimpleUploadedFile("warm-up.csv", b"falsch;spalten\n1;2\n")
        assert client.post(url, {"datei": warm_up}).status_code == 422
        reports = {}
        for name, path in spec["files"].items():
            with open(path, "rb") as upload:
                data = upload.read()
            reports[name] = _upload(client, url, data)
        transaction.set_rollback(True)
    return reports


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
