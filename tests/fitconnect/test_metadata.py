"""The FIT-Connect metadata check (fitconnect/metadata.py, schemas/README.md): what the
platform writes passes, what breaks FITKO's documented structure does not."""

import copy
import hashlib
import uuid

import pytest

from openkommune.fitconnect.metadata import is_valid_metadata, metadata_problems

HASH = {"type": "sha512", "content": hashlib.sha512(b"x").hexdigest()}
VALID = {
    "$schema": "https://schema.fitko.de/fit-connect/metadata/1.2.0/metadata.schema.json",
    "contentStructure": {
        "data": {
            "hash": HASH,
            "submissionSchema": {
                "schemaUri": "https://example.org/schema.json",
                "mimeType": "application/json",
            },
        },
        "attachments": [
            {
                "attachmentId": str(uuid.uuid4()),
                "hash": HASH,
                "purpose": "attachment",
                "mimeType": "application/pdf",
                "filename": "nachweis.pdf",
            }
        ],
    },
    "publicServiceType": {"identifier": "urn:de:fim:leika:leistung:99050012104000"},
    "replyChannel": {"eMail": {"address": "a@example.org"}},
    "additionalReferenceInfo": {"senderReference": "X-1", "applicationDate": "2026-12-06"},
}


def _changed(path: list, value):
    metadata = copy.deepcopy(VALID)
    target = metadata
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return metadata


def test_valid_metadata_and_the_minimum():
    assert metadata_problems(VALID) == []
    assert is_valid_metadata({"contentStructure": {"attachments": []}})


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (["contentStructure"], KeyError, "(Wurzel)"),
        (["contentStructure", "attachments"], KeyError, "contentStructure"),
        (["contentStructure", "data", "hash", "type"], "sha256", "contentStructure/data/hash"),
        (["contentStructure", "data", "hash", "content"], "abc", "contentStructure/data/hash"),
        (["contentStructure", "data", "submissionSchema", "mimeType"], "text/plain", "mimeType"),
        (["contentStructure", "attachments", 0, "purpose"], "beleg", "purpose"),
        (["contentStructure", "attachments", 0, "attachmentId"], "nicht-uuid", "attachmentId"),
        (["$schema"], "https://schema.fitko.de/fit-connect/metadata/2.0.0/x.json", "$schema"),
        (["additionalReferenceInfo", "applicationDate"], "06.12.2026", "applicationDate"),
        (["replyChannel"], {}, "replyChannel"),
    ],
)
def test_broken_metadata_names_the_place(path, value, where):
    problems = metadata_problems(_changed(path, value))
    assert problems
    assert any(where in problem for problem in problems), problems


def test_not_an_object():
    assert metadata_problems([])
    assert metadata_problems("{}")
