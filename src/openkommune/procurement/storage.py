"""Private file storage for contract documents (never under the web root).

Uses `settings.PRIVATE_MEDIA_ROOT` (from `OPENKOMMUNE_PRIVATE_MEDIA_ROOT`) when the project
defines it, else `<repository>/var/private`. The location is read on every access, not once
at start-up (Django evaluates a FileField's storage callable when models load), so a changed
setting — in tests, or once the project setting exists — takes effect.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def private_media_root() -> Path:
    configured = getattr(settings, "PRIVATE_MEDIA_ROOT", None) or getattr(
        settings, "OPENKOMMUNE_PRIVATE_MEDIA_ROOT", None
    )
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR) / "var" / "private"


class PrivateStorage(FileSystemStorage):
    """No base URL: files are served only through views that check who may see them."""

    @property
    def base_location(self):
        return str(private_media_root())

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


def private_storage() -> FileSystemStorage:
    return PrivateStorage()
