"""What the API accepts as input, checked once for every operation.

- Body size: each operation accepts at most `body_limit_of(handler)` bytes
  (`openkommune.core.api_policy`); a larger body is refused with 413. A declared
  Content-Length over the limit is refused before anything is read; without one (chunked
  requests under ASGI) the body as received is measured before anyone parses it.
- Text: JSON bodies must be valid UTF-8, and no string anywhere in them (keys included), in the
  query string, in form fields or in path parameters may contain a NUL character or a lone
  surrogate: PostgreSQL cannot store or even compare either, and hashing or encoding them
  later fails. Such input is refused with 422 naming the field.
"""

from __future__ import annotations

import json
import re
from functools import wraps

from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from ninja.parser import Parser

from openkommune.core.api_policy import body_limit_of, declared_body_size
from openkommune.core.errors import ApiError

# A NUL character or a UTF-16 surrogate half: neither is a character PostgreSQL or UTF-8 can hold.
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


def body_too_large_error(limit: int) -> ApiError:
    return ApiError(
        413,
        "request_too_large",
        _("Die Anfrage ist zu groß: höchstens %(kib)s KiB (%(limit)d Bytes) sind erlaubt.")
        % {"kib": f"{limit / 1024:g}", "limit": limit},
    )


def operation_of(run):
    """The ninja Operation whose `run` this is (through any wrappers made with `wraps`)."""
    while not hasattr(run, "__self__"):
        run = run.__wrapped__
    return run.__self__


def _received_body_size(request, limit: int) -> int:
    """The size of the body as received; more than `limit` if it is larger than Django keeps
    in memory (DATA_UPLOAD_MAX_MEMORY_SIZE), which then stops reading it."""
    try:
        return len(request.body)
    except RequestDataTooBig:
        return limit + 1


def enforce_input_rules(run):
    """Decorator of `Operation.run` (`api.add_decorator(..., mode="view")`): runs before ninja's
    authentication and before anything parses the body. Checks the body size and the path
    parameters (the body and query are checked by `StrictParser`)."""
    operation = operation_of(run)
    limit = body_limit_of(operation.view_func)

    @wraps(run)
    def checked(request, *args, **kwargs):
        if declared_body_size(request) > limit or _received_body_size(request, limit) > limit:
            return operation.api.on_exception(request, body_too_large_error(limit))
        problems = {
            name: [message]
            for name, value in kwargs.items()
            if isinstance(value, str) and (message := _text_problem(value))
        }
        if problems:
            return operation.api.on_exception(request, _refuse(problems))
        return run(request, *args, **kwargs)

    return checked


def _text_problem(value: str) -> str | None:
    match = _FORBIDDEN.search(value)
    if match is None:
        return None
    if match.group() == "\x00":
        return _("Die Angabe enthält ein unzulässiges Zeichen (NUL).")
    return _("Die Angabe enthält ungültige Unicode-Zeichen (ein einzelnes Surrogat).")


def _path(parts) -> str:
    return ".".join(str(part) for part in parts) or "__all__"


def text_problems(value) -> dict[str, list[str]]:
    """{field path: [German message]} for every string in a parsed JSON value (keys included)
    that holds a NUL character or a lone surrogate. Iterative: nesting depth costs no stack."""
    problems: dict[str, list[str]] = {}
    pending = [((), value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            message = _text_problem(item)
            if message:
                problems.setdefault(_path(path), []).append(message)
        elif isinstance(item, dict):
            for key, child in item.items():
                message = _text_problem(key)
                if message:
                    # The key itself is broken: name the object that holds it.
                    problems.setdefault(_path(path), []).append(message)
                    continue
                pending.append(((*path, key), child))
        elif isinstance(item, list):
            pending.extend(((*path, index), child) for index, child in enumerate(item))
    return problems


def _refuse(problems: dict[str, list[str]]) -> ApiError:
    return ApiError(422, "validation_error", _("Die Eingabe ist ungültig."), problems)


class StrictParser(Parser):
    """ninja's parser, refusing what the API cannot store (see the module docstring).

    ninja wraps any exception of `parse_body` into a 400 "Cannot parse request body";
    `openkommune.api.errors` answers with the `ApiError` raised here instead."""

    def parse_body(self, request):
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ApiError(
                422,
                "invalid_encoding",
                _("Der Inhalt ist kein gültiges UTF-8 (Byte %(position)d).")
                % {"position": error.start},
            ) from None
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise ApiError(400, "json_invalid", _("Der Inhalt ist kein gültiges JSON.")) from None
        problems = text_problems(data)
        if problems:
            raise _refuse(problems)
        return data

    def parse_querydict(self, data, list_fields, request):
        problems: dict[str, list[str]] = {}
        for key, values in data.lists():
            # A broken parameter name cannot name the field; report it for the whole request.
            key_message = _text_problem(key)
            if key_message:
                problems.setdefault("__all__", []).append(key_message)
                continue
            message = next(filter(None, map(_text_problem, values)), None)
            if message:
                problems.setdefault(key, []).append(message)
        if problems:
            raise _refuse(problems)
        return super().parse_querydict(data, list_fields, request)
