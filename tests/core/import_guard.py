"""Helpers for the per-import tests of spreadsheet bombs (see `spreadsheet_bombs`)."""

from __future__ import annotations

import time
import tracemalloc
from contextlib import contextmanager

from django.db import connection

from openkommune.core import tables


def measured(call):
    """(exception raised by `call()`, seconds, peak traced bytes)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        call()
    except Exception as error:
        return error, time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    raise AssertionError("the import was not refused")


@contextmanager
def transaction_depth_while_reading(monkeypatch):
    """Yields a list that receives, for every file the table reader opens, how many atomic
    blocks are open beyond those open when the block started (0: read outside any
    transaction the import opened, so other writers are not blocked meanwhile)."""
    baseline = len(connection.atomic_blocks)
    depths: list[int] = []
    original = tables._read_source

    def recording(source, limits):
        depths.append(len(connection.atomic_blocks) - baseline)
        return original(source, limits)

    monkeypatch.setattr(tables, "_read_source", recording)
    yield depths
