"""Refuse oversized files while the request is still being read.

Django's default upload handlers store every file completely (in memory, then in a
temporary file) before a view can look at its size, so a citizen's 2 GB upload would be
written to disk only to be refused afterwards. `UploadSizeLimitHandler` (first in
`FILE_UPLOAD_HANDLERS`) skips a file as soon as more than `OPENKOMMUNE_UPLOAD_MAX_SIZE`
bytes of it have arrived: the bytes already handed on are discarded, the rest is read and
dropped, and the other fields of the same post still arrive, so a page can show the "too
large" message at the field and keep everything else that was typed.

It acts only on views marked with `limit_upload_size`, which promise to look at
`oversized_uploads(request)` (or `oversized_files`): for any other view a file that silently
went missing from `request.FILES` would look like no file at all. (The reverse proxy should
still cap the whole request body; this handler cannot stop a client from sending it.)
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

_MARK = "limits_upload_size"
_REFUSED = "_openkommune_oversized_uploads"


def limit_upload_size(view):
    """Mark a view (outermost decorator) whose uploads are cut off at the global limit."""
    setattr(view, _MARK, True)
    return view


def oversized_files(request) -> list[tuple[str, str]]:
    """(field name, file name) of every file of this request refused for its size, in the
    order they arrived (one input may send several files under the same name)."""
    return list(getattr(request, _REFUSED, ()))


def oversized_uploads(request) -> dict[str, str]:
    """{field name: file name} of the files of this request refused for their size (for
    inputs that send one file each)."""
    return dict(oversized_files(request))


class UploadSizeLimitHandler(FileUploadHandler):
    """Skip a file once it exceeds `settings.UPLOAD_MAX_SIZE` (see the module docstring)."""

    active = False

    def new_file(self, field_name, file_name, content_type, content_length, *args, **kwargs):
        super().new_file(field_name, file_name, content_type, content_length, *args, **kwargs)
        match = getattr(self.request, "resolver_match", None)
        self.active = bool(match is not None and getattr(match.func, _MARK, False))
        if self.active and content_length is not None and content_length > self._limit():
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        if self.active and start + len(raw_data) > self._limit():
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler builds the file

    @staticmethod
    def _limit() -> int:
        return settings.UPLOAD_MAX_SIZE

    def _refuse(self):
        refused = getattr(self.request, _REFUSED, None)
        if refused is None:
            refused = []
            setattr(self.request, _REFUSED, refused)
        refused.append((self.field_name, self.file_name))
        raise SkipFile(f"{self.field_name}: more than {self._limit()} bytes")
