"""The FIT-Connect metadata ("Metadatensatz", version 1.x) the platform writes and reads.

`schemas/metadata-1.schema.json` is our own JSON Schema of the structure FITKO documents
(schemas/README.md says what was checked against FITKO's file and what was not). The
platform's own applications must produce metadata that passes it (intake.py); metadata an
outside sender encrypted for an inbox destination is checked after decryption (inbox.py)
and refused with the reason when it does not.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_PATH = Path(__file__).with_name("schemas") / "metadata-1.schema.json"
# Reported to the sender in a reject event: the first few problems are enough.
MAX_REPORTED = 5


@functools.cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def metadata_problems(metadata) -> list[str]:
    """What is wrong with `metadata` (decoded JSON), each as `<path>: <message>`; empty
    when it has the structure of FIT-Connect metadata 1.x."""
    errors = sorted(_validator().iter_errors(metadata), key=lambda e: list(e.absolute_path))
    problems = []
    for error in errors[:MAX_REPORTED]:
        path = "/".join(str(part) for part in error.absolute_path) or "(Wurzel)"
        problems.append(f"{path}: {error.message}")
    return problems


def is_valid_metadata(metadata) -> bool:
    return _validator().is_valid(metadata)
