"""A small progress reporter for management commands.

Imports of official files run in terminals, in `make run` and in CI logs. In a terminal
(the stream is a TTY) one bar is redrawn in place with a carriage return:
`[##########..........]  50 % (5000/10000) Gemeinden`. Anywhere else a carriage-return bar
would garble the log, so one plain line is printed roughly every 10 % instead. Commands pass
their stderr, so the progress never mixes with the summary on stdout, and stay quiet with
`--verbosity 0` (`enabled=False`).
"""

from collections.abc import Iterable, Iterator
from typing import TextIO

STEPS = 10
BAR_WIDTH = 20


def is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):  # a closed or detached stream
        return False


def render_bar(done: int, total: int, label: str) -> str:
    """One bar without line end, e.g. `[##########..........]  50 % (5/10) Gemeinden`."""
    filled = BAR_WIDTH * done // total
    percent = 100 * done // total
    return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d} % ({done}/{total}) {label}"


def progress[T](
    iterable: Iterable[T], *, total: int, label: str, stream: TextIO, enabled: bool
) -> Iterator[T]:
    """Yield every item of `iterable` and report progress on `stream`.

    On a TTY: a bar redrawn whenever the whole percentage changes, ended by a newline.
    Otherwise: `label: 40 % (400/1000)` at each 10 % step.

    `total` is the expected number of items (the caller usually knows it; counting a
    generator first would consume it). When `enabled` is false or `total` is not positive
    the items pass through untouched, without output.
    """
    if not enabled or total <= 0:
        yield from iterable
        return
    if is_terminal(stream):
        yield from _bar(iterable, total=total, label=label, stream=stream)
        return
    next_step = 1
    for done, item in enumerate(iterable, start=1):
        yield item
        # A while loop, not an if: with fewer than 10 items one item may cross several steps.
        while next_step <= STEPS and done * STEPS >= total * next_step:
            stream.write(f"{label}: {next_step * 100 // STEPS} % ({done}/{total})\n")
            next_step += 1
    stream.flush()


def _bar[T](iterable: Iterable[T], *, total: int, label: str, stream: TextIO) -> Iterator[T]:
    stream.write("\r" + render_bar(0, total, label))
    stream.flush()
    shown = 0
    done = 0
    try:
        for done, item in enumerate(iterable, start=1):
            yield item
            percent = 100 * min(done, total) // total
            if percent != shown:
                shown = percent
                stream.write("\r" + render_bar(min(done, total), total, label))
                stream.flush()
    finally:
        # Also when the caller stops early (an error in the file): end the line, so the
        # error message does not start in the middle of the bar.
        stream.write("\n")
        stream.flush()
