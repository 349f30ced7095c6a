"""Benchmark: the streaming table reader (`core.tables`) against plain `csv` / `openpyxl`.

    .venv/bin/python bench/tables.py [--rows 50000] [--columns 8] [--repeat 5]

Builds one valid table (text, numbers and dates; `--rows` by `--columns`) and writes it as CSV
and as XLSX with our writer, then reads each file `--repeat` times through `iter_rows`
(limits raised to fit the file; every limit is still checked while reading) and through the
baseline: `csv.reader` over the decoded text, and `openpyxl.load_workbook(read_only=True)`
with `iter_rows(values_only=True)`. Prints the median rows/s, the peak traced memory
(tracemalloc, a separate run: tracing slows Python down) and our/baseline ratios.
"""

import argparse
import csv
import datetime
import io
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from django.conf import settings

settings.configure(USE_I18N=False)

from openkommune.core.tables import TableLimits, iter_rows, write_csv, write_xlsx  # noqa: E402

MB = 1024 * 1024


def build(rows: int, columns: int) -> tuple[list[str], list[list]]:
    headers = [f"spalte_{n}" for n in range(columns)]
    start = datetime.date(2020, 1, 1)
    data = []
    for row in range(rows):
        cells = []
        for column in range(columns):
            kind = column % 4
            if kind == 0:
                cells.append(f"Artikel {row}-{column} Notebook")
            elif kind == 1:
                cells.append(row * 7 + column)
            elif kind == 2:
                cells.append(start + datetime.timedelta(days=row % 2000))
            else:
                cells.append(f"Beschreibung {row % 97} mit Text")
        data.append(cells)
    return headers, data


def ours(data: bytes, limits: TableLimits) -> int:
    return sum(1 for _ in iter_rows(data, limits=limits))


def plain_csv(data: bytes) -> int:
    text = data.decode("utf-8-sig")
    return sum(1 for _ in csv.reader(io.StringIO(text), delimiter=";"))


def plain_openpyxl(data: bytes) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    count = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return count


def timed(function, repeat: int) -> tuple[float, int]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        count = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), count


def peak(function) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--columns", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    headers, rows = build(args.rows, args.columns)
    files = {"CSV": write_csv(headers, rows), "XLSX": write_xlsx(headers, rows, title="Bench")}
    limits = TableLimits(
        max_bytes=256 * MB,
        max_rows=args.rows,
        max_unpacked_bytes=1024 * MB,
        max_sheet_bytes=1024 * MB,
        max_shared_strings_bytes=1024 * MB,
    )
    baselines = {"CSV": ("csv.reader", plain_csv), "XLSX": ("openpyxl read-only", plain_openpyxl)}
    print(f"Table reader: {args.rows} rows × {args.columns} columns, median of {args.repeat} runs")
    for name, data in files.items():
        label, baseline = baselines[name]
        our_time, our_rows = timed(lambda data=data: ours(data, limits), args.repeat)
        base_time, base_rows = timed(lambda data=data, f=baseline: f(data), args.repeat)
        assert our_rows == base_rows == args.rows + 1, (our_rows, base_rows)
        our_peak = peak(lambda data=data: ours(data, limits))
        base_peak = peak(lambda data=data, f=baseline: f(data))
        print(f"\n{name} ({len(data) / MB:.1f} MB)")
        print(f"  {'reader':<22}{'rows/s':>12}{'peak MB':>10}")
        print(f"  {'core.tables':<22}{our_rows / our_time:>12,.0f}{our_peak / MB:>10.1f}")
        print(f"  {label:<22}{base_rows / base_time:>12,.0f}{base_peak / MB:>10.1f}")
        print(
            f"  ratio ours/baseline: time {our_time / base_time:.2f}×, "
            f"peak memory {our_peak / max(base_peak, 1):.2f}×"
        )


if __name__ == "__main__":
    main()
