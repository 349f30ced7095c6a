"""A full disk under the private file store: a real tmpfs of a few kilobytes, mounted for
the test (as root), filled up, then an upload that does not fit. The citizen gets a clear
German error at the field, the draft keeps its answers, and after space was freed the same
upload works. Where mounting is impossible the test fails and says why (no silent skip)."""

from __future__ import annotations

import errno
import os
import subprocess

import pytest
from django.test import Client

from openkommune.submissions.models import Attachment, Draft
from tests.submissions.factories import PDF_BYTES, make_offer, private_media, upload  # noqa: F401
from tests.submissions.journey_support import draft_id, start_draft, step_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

PAGE = 4096
FILE = PDF_BYTES + b"%" + b"x" * 2500 + b"\n"  # a valid PDF of about 2.6 kB (the field allows 4 kB)


@pytest.fixture
def tiny_disk(tmp_path, settings):
    """The private file store on a tmpfs of two pages; unmounted afterwards."""
    mountpoint = tmp_path / "tmpfs"
    mountpoint.mkdir()
    if os.geteuid() != 0:
        pytest.fail("The full-disk test mounts a tmpfs and must run as root (CI does).")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={2 * PAGE},mode=0700", "tmpfs", str(mountpoint)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.fail(
            "Cannot mount a tmpfs for the full-disk test (a container without CAP_SYS_ADMIN?): "
            + mounted.stderr.strip()
        )
    try:
        settings.PRIVATE_MEDIA_ROOT = mountpoint
        yield mountpoint
    finally:
        subprocess.run(["umount", str(mountpoint)], check=True)  # noqa: S607


def _write_until_full(descriptor: int) -> None:
    while True:
        os.write(descriptor, b"\0" * 1024)


def _fill(folder) -> None:
    """Write until the file system refuses: nothing is left for an upload."""
    descriptor = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with pytest.raises(OSError, match="No space left") as full:
            _write_until_full(descriptor)
    finally:
        os.close(descriptor)
    assert full.value.errno == errno.ENOSPC


@pytest.fixture
def files_url(client):
    make_offer()  # the test form with file fields
    first = start_draft(client)
    client.post(first, {"name": "Erika Mustermann"})
    return step_url(draft_id(first), "unterlagen")


def test_an_upload_to_a_full_disk_is_refused_clearly_and_the_draft_is_kept(
    client: Client, files_url, tiny_disk
):
    _fill(tiny_disk)
    answers = {"hunde._count": "1", "hunde.0.hund_name": "Bello"}
    response = client.post(files_url, {"nachweis": upload("nachweis.pdf", FILE), **answers})

    assert response.status_code == 200
    assert 'id="f-nachweis--error"' in response.text
    assert "konnte nicht gespeichert werden" in response.text
    assert 'value="Bello"' in response.text
    draft = Draft.applicant_objects.get(public_id=draft_id(files_url))
    assert draft.data["name"] == "Erika Mustermann"
    assert draft.data["hunde"][0]["hund_name"] == "Bello"
    assert not Attachment.applicant_objects.filter(draft=draft).exists()
    assert sorted(path.name for path in tiny_disk.rglob("*") if path.is_file()) == ["filler"]

    (tiny_disk / "filler").unlink()
    response = client.post(files_url, {"nachweis": upload("nachweis.pdf", FILE), **answers})
    assert response.status_code == 302
    [attachment] = Attachment.applicant_objects.filter(draft=draft)
    draft.refresh_from_db()
    assert draft.data["nachweis"] == str(attachment.public_id)
    assert draft.data["hunde"][0]["hund_name"] == "Bello"
