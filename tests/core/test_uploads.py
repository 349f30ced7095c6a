"""core.uploads: a file beyond OPENKOMMUNE_UPLOAD_MAX_SIZE is skipped while the request is
read (only on views that ask for it), and the other fields of the post still arrive."""

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadhandler import FileUploadHandler, MemoryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from openkommune.core.uploads import (
    UploadSizeLimitHandler,
    limit_upload_size,
    oversized_files,
    oversized_uploads,
)


class RecordingHandler(FileUploadHandler):
    """Stands for the handlers that store a file: counts what reaches them."""

    def __init__(self, request):
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        return raw_data

    def file_complete(self, file_size):
        return None


class NamedFile(io.BytesIO):
    name = "gross.pdf"


def _parse(view, *, size: int, limit: int, settings, fields=None):
    settings.UPLOAD_MAX_SIZE = limit
    request = SimpleNamespace(resolver_match=SimpleNamespace(func=view))
    fields = fields or {"datei": NamedFile(b"%" * size)}
    body = encode_multipart(BOUNDARY, fields | {"danach": "getippt", "klein": "x"})
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    recorder = RecordingHandler(request)
    handlers = [UploadSizeLimitHandler(request), recorder, MemoryFileUploadHandler(request)]
    for handler in handlers:
        handler.handle_raw_input(io.BytesIO(body), meta, len(body), BOUNDARY, "utf-8")
    post, files = MultiPartParser(meta, io.BytesIO(body), handlers).parse()
    return request, post, files, recorder


def _marked_view(request):
    return None


limit_upload_size(_marked_view)


def test_an_oversized_file_is_cut_off_and_the_other_fields_arrive(settings):
    request, post, files, recorder = _parse(
        _marked_view, size=500_000, limit=100_000, settings=settings
    )
    assert "datei" not in files
    assert post["danach"] == "getippt"
    assert oversized_uploads(request) == {"datei": "gross.pdf"}
    # The storing handlers never got more than the limit.
    assert recorder.received <= 100_000


def test_every_oversized_file_of_one_input_is_named(settings):
    # <input type="file" multiple>: several files under one name, each refused on its own.
    files = [NamedFile(b"%" * 500_000), NamedFile(b"%" * 10), NamedFile(b"%" * 200_000)]
    for file, name in zip(files, ("gross.pdf", "klein.pdf", "auch gross.pdf"), strict=True):
        file.name = name
    request, post, parsed, _recorder = _parse(
        _marked_view, size=0, limit=100_000, settings=settings, fields={"dateien": files}
    )
    assert [f.name for f in parsed.getlist("dateien")] == ["klein.pdf"]
    assert post["danach"] == "getippt"
    assert oversized_files(request) == [("dateien", "gross.pdf"), ("dateien", "auch gross.pdf")]


def test_a_file_within_the_limit_passes(settings):
    request, _post, files, recorder = _parse(
        _marked_view, size=100_000, limit=100_000, settings=settings
    )
    assert files["datei"].size == 100_000
    assert recorder.received == 100_000
    assert oversized_uploads(request) == {}


@pytest.mark.parametrize("view", [lambda request: None, None])
def test_views_that_did_not_ask_get_every_file(settings, view):
    # Their forms check sizes themselves; a file silently missing would read as "no file".
    request, _post, files, _recorder = _parse(view, size=500_000, limit=100_000, settings=settings)
    assert files["datei"].size == 500_000
    assert oversized_uploads(request) == {}
