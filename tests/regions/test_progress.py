"""core.progress, written with the regions import (its first user)."""

from io import StringIO

from openkommune.core.progress import progress


def test_prints_a_line_every_ten_percent_and_passes_items_through():
    stream = StringIO()
    items = list(progress(range(1000), total=1000, label="Lesen", stream=stream, enabled=True))
    assert items == list(range(1000))
    lines = stream.getvalue().splitlines()
    assert lines == [f"Lesen: {p} % ({p * 10}/1000)" for p in range(10, 101, 10)]


def test_few_items_still_reach_one_hundred_percent_once():
    stream = StringIO()
    assert list(progress("abc", total=3, label="X", stream=stream, enabled=True)) == list("abc")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10
    assert lines[-1] == "X: 100 % (3/3)"


def test_disabled_or_empty_is_silent():
    stream = StringIO()
    assert list(progress(range(5), total=5, label="X", stream=stream, enabled=False)) == [*range(5)]
    assert list(progress([], total=0, label="X", stream=stream, enabled=True)) == []
    assert stream.getvalue() == ""


class FakeTerminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_non_terminal_stream_gets_plain_lines_without_carriage_returns():
    stream = StringIO()
    assert not stream.isatty()
    list(progress(range(10), total=10, label="Gemeinden", stream=stream, enabled=True))
    assert "\r" not in stream.getvalue()
    assert "[" not in stream.getvalue()


def test_terminal_gets_a_bar_redrawn_in_place():
    stream = FakeTerminal()
    items = list(progress(range(10), total=10, label="Gemeinden", stream=stream, enabled=True))
    assert items == list(range(10))
    text = stream.getvalue()
    assert text.endswith("\r[####################] 100 % (10/10) Gemeinden\n")
    assert "\r[##########..........]  50 % (5/10) Gemeinden" in text
    assert text.startswith("\r[....................]   0 % (0/10) Gemeinden")
    assert text.count("\n") == 1  # one line, overwritten, ended once
    assert text.count("\r") == 11  # the empty bar and one redraw per item (each is 10 %)


def test_terminal_redraws_only_when_the_percentage_changes():
    stream = FakeTerminal()
    list(progress(range(10000), total=10000, label="X", stream=stream, enabled=True))
    assert stream.getvalue().count("\r") == 101


def test_terminal_bar_ends_its_line_when_the_caller_stops_early():
    stream = FakeTerminal()
    for item in progress(range(10), total=10, label="X", stream=stream, enabled=True):
        if item == 3:
            break
    assert stream.getvalue().endswith("\r[######..............]  30 % (3/10) X\n")


def test_terminal_disabled_is_silent():
    stream = FakeTerminal()
    assert list(progress(range(3), total=3, label="X", stream=stream, enabled=False)) == [0, 1, 2]
    assert stream.getvalue() == ""
