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
