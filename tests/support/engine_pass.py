"""`pytest --database-tests-only` (a pytest plugin, named in tests/conftest.py): the second CI
pass, on PostgreSQL, runs only the tests whose outcome can depend on the database engine. The
first pass (SQLite, `make test`) runs every test.

A test is left out of that pass only if both hold; a doubt keeps it in:
- it is not marked `django_db` and none of its fixtures (directly or through other fixtures)
  is one of pytest-django's database fixtures (`DATABASE_FIXTURES`). The browser tests reach
  the database through `site_server`, which asks for `django_db_setup`.
- neither its module nor the file of any of its fixtures names one of `PROCESS_MARKS`: a test
  that starts processes (the platform, `make`, the CLI, private PostgreSQL clusters), reads
  `DATABASE_URL` itself or unblocks the database by hand (`django_db_blocker`, which
  pytest-django asks for in every test, so it is a mark rather than a fixture here) may reach
  the pass's database another way. Files of installed packages (pytest's and its plugins'
  fixtures) are not read; `REVIEWED` lists our fixture files that name a mark but whose
  fixtures without a database fixture reach no database.

Such a test runs code that cannot open a connection — pytest-django refuses database access
outside its database fixtures, before any engine is involved — so its outcome is the same on
both engines, and a second run costs CPU time on the two cores and finds nothing new
(docs/benchmarks.md "CI time"). Not seen by the marks: a process started by a helper outside
tests/ that reads `DATABASE_URL` from the environment it inherits; the helpers of this kind
(tests/support/processes.py, tests/support/fault_platform.py) are marks themselves.
"""

from __future__ import annotations

import inspect
import sysconfig
from functools import cache
from pathlib import Path

import pytest

OPTION = "--database-tests-only"

DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_setup",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)

PROCESS_MARKS = (
    "DATABASE_URL",
    "django_db_blocker",
    "subprocess",
    "Popen",
    "sys.executable",
    "multiprocessing",
    "os.fork",
    "os.system",
    "tests.support.processes",
    "postgres_cluster",
    "fault_platform",
    "replica_probe",
)

_TESTS = Path(__file__).resolve().parents[1]
# tests/conftest.py: its marks are in `django_db_setup` (a database fixture) and a docstring;
# tests/support/oidc_provider.py: the npm oidc-provider, configured by arguments only.
REVIEWED = frozenset({_TESTS / "conftest.py", _TESTS / "support" / "oidc_provider.py"})
_INSTALLED = tuple(
    Path(sysconfig.get_path(name)).resolve() for name in ("stdlib", "purelib", "platlib")
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        OPTION,
        action="store_true",
        help=(
            "Run only the tests that can reach the database or start processes (the "
            "PostgreSQL pass of .ci/run; tests/support/engine_pass.py)."
        ),
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption(OPTION):
        return
    keep, drop = [], []
    for item in items:
        (keep if engine_dependent(item) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def engine_dependent(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db") is not None:
        return True
    if DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    files = {Path(str(item.path)).resolve()}
    fixtureinfo = getattr(item, "_fixtureinfo", None)
    for definitions in getattr(fixtureinfo, "name2fixturedefs", {}).values():
        for definition in definitions:
            source = inspect.getsourcefile(definition.func)
            files.add(Path(source).resolve() if source else None)
    return any(_names_a_process_mark(path) for path in files - REVIEWED)


@cache
def _names_a_process_mark(path: Path | None) -> bool:
    """True if the file names a process mark or cannot be read (then the test stays in)."""
    if path is None:
        return True
    if any(path.is_relative_to(folder) for folder in _INSTALLED):
        return False
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return True
    return any(mark in text for mark in PROCESS_MARKS)
