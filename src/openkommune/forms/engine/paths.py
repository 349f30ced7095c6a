"""Data paths of answers (`halter.anschrift.city`, `hunde.0.impfpass`): reading and
writing them in a draft's raw data. Shared by the engine, prefill, uploads and the
trust checks."""

from __future__ import annotations

import re

ENTRY_INDEX = re.compile(r"[0-9]{1,4}")


def entry_index(segment) -> int | None:
    """The entry index a path segment names (`"1"` in `hunde.1.name`), or None when the
    segment is not one: at most four ASCII digits."""
    return int(segment) if isinstance(segment, str) and ENTRY_INDEX.fullmatch(segment) else None


def get_path(data, path: str):
    """The value at a data path (`nachweis`, `hunde.0.impfpass`), or None where the path
    leads nowhere."""
    node = data
    for segment in path.split("."):
        index = entry_index(segment)
        if isinstance(node, list) and index is not None and index < len(node):
            node = node[index]
        elif isinstance(node, dict) and segment in node:
            node = node[segment]
        else:
            return None
    return node


def set_path(data: dict, path: str, value) -> dict:
    """Set `value` at a data path, creating entries of repeated groups on the way. A path
    that does not fit the data (an index that is not one, a name where a list is) changes
    nothing: paths come from posted field names."""
    segments = path.split(".")
    node = data
    for position, segment in enumerate(segments[:-1]):
        following_is_index = entry_index(segments[position + 1]) is not None
        if isinstance(node, list):
            index = entry_index(segment)
            if index is None:
                return data
            while len(node) <= index:
                node.append({})
            if not isinstance(node[index], list | dict):
                node[index] = [] if following_is_index else {}
            node = node[index]
        else:
            if not isinstance(node.get(segment), list | dict):
                node[segment] = [] if following_is_index else {}
            node = node[segment]
    last = segments[-1]
    if isinstance(node, list):
        index = entry_index(last)
        if index is None:
            return data
        while len(node) <= index:
            node.append({})
        node[index] = value
    else:
        node[last] = value
    return data
