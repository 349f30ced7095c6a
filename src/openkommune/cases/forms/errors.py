"""How the back office's forms show a refusal of the case services (`CaseError`,
`UploadRejected`: a German `message` and `fields`)."""

from __future__ import annotations


def add_case_errors(form, fields: dict[str, list[str]], message: str, *, default=None) -> None:
    """Put a service's errors on the form's fields (or on the form as a whole); with none
    placed, `message` goes on the field `default` (or on the form as a whole)."""
    placed = False
    for name, messages in (fields or {}).items():
        target = name if name in form.fields else None
        for text in messages or [message]:
            form.add_error(target, text)
            placed = True
    if not placed:
        form.add_error(default if default in form.fields else None, message)
