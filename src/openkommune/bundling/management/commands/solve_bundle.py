"""`openkommune solve_bundle INSTANCE.json [--time-limit S]`: solve a bundling instance.

Prints the result as JSON to stdout (format: docs/bundling.md). Malformed input ends with a
message naming the bad entry and exit code 2; an infeasible instance is a valid answer
(status "infeasible", exit code 0).
"""

import argparse
import ctypes
import json
import os
import sys
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from openkommune.bundling.optimizer import (
    InfeasibleInstance,
    Instance,
    InstanceError,
    shapley_values,
    solve,
)

INPUT_ERROR = 2


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"keine Zahl: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"muss eine positive Zahl sein: {text!r}")
    return value


@contextmanager
def _native_stdout_to_stderr():
    """HiGHS prints stray diagnostic lines with C printf to the process's stdout (e.g.
    "HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();"), which would
    corrupt the JSON there: while solving, file descriptor 1 points to stderr. Process-wide,
    so only here in the command, never in a (threaded) web process."""
    sys.stdout.flush()
    try:
        flush_c_streams = ctypes.CDLL(None).fflush
    except (OSError, AttributeError):  # no C library handle on this platform
        flush_c_streams = None
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        if flush_c_streams is not None:
            flush_c_streams(None)
        os.dup2(saved, 1)
        os.close(saved)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


class Command(BaseCommand):
    help = (
        "Löst eine Bündelungsinstanz (JSON-Datei, '-' für die Standardeingabe) exakt mit "
        "HiGHS und gibt Zuordnung, Kosten je Mitglied und Einsparungen als JSON aus."
    )
    requires_system_checks = []  # pure computation: no database, usable on any machine

    def add_arguments(self, parser):
        parser.add_argument("instance", help="Instanz als JSON-Datei, '-' für stdin")
        parser.add_argument(
            "--time-limit",
            type=_positive_float,
            default=30.0,
            metavar="S",
            help="Zeitlimit in Sekunden (Standard 30); danach bestes Ergebnis mit Lücke",
        )
        parser.add_argument(
            "--shapley",
            type=int,
            metavar="SAMPLES",
            help='zusätzlich Shapley-Werte (Schlüssel "shapley"), SAMPLES Zufallsreihenfolgen',
        )
        parser.add_argument("--seed", type=int, default=0, help="Startwert für --shapley")

    def handle(self, *args, instance: str, time_limit: float, shapley, seed: int, **options):
        data = self._read(instance)
        try:
            problem = Instance.from_json(data)
        except InstanceError as error:
            raise CommandError(f"{instance}: {error}", returncode=INPUT_ERROR) from None
        if shapley is not None and shapley < 1:
            raise CommandError("--shapley: mindestens 1", returncode=INPUT_ERROR)
        with _native_stdout_to_stderr():
            result = solve(problem, time_limit=time_limit).to_json()
            if shapley is not None:
                result["shapley"] = self._shapley(problem, shapley, seed, time_limit)
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))

    def _read(self, name: str):
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{name}: cannot read: {error}", returncode=INPUT_ERROR) from None
        try:
            # Decimal keeps prices exactly as written; NaN/Infinity are not JSON numbers.
            return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
        except ValueError as error:
            raise CommandError(f"{name}: not valid JSON: {error}", returncode=INPUT_ERROR) from None

    def _shapley(self, problem, samples: int, seed: int, time_limit: float) -> dict:
        try:
            return shapley_values(
                problem, samples=samples, seed=seed, time_limit=time_limit
            ).to_json()
        except InfeasibleInstance as error:
            return {"error": str(error)}
