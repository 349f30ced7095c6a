"""Benchmark: how many FIM rules the importer takes over as executed conditions or checks.

    .venv/bin/python bench/fim_rules.py [SCHEMA.xml ...] [--codelists DIR ...] [--show-missed]

Without arguments: the real schemas in OPENKOMMUNE_DATA_DIR/fim-stammdatenschemata/. Each
schema is imported (`forms.fim.importer.import_schema`, no database) with the genericode files
of its own folder and of `--codelists`; a rule counts as taken over only when the report says
`rule_applied`, which the importer grants only after the engine accepted the definition and
the rule's conditions and checks are present in the final definition (docs/forms.md "FIM
rules"). Prints per schema: rules, taken over, not taken over and the share taken over;
`--show-missed` also prints each rule not taken over with its reason and text. (Until
2026-12-06 the importer could take a rule over only in part; the figures of that time name
those in a column of their own.)
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup_django() -> None:
    """Django's settings, no database: the importer needs nothing else."""
    os.environ.setdefault("OPENKOMMUNE_SECRET_KEY", "bench-only-not-a-secret")
    os.environ["DJANGO_SETTINGS_MODULE"] = "openkommune.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def import_fim(path: Path, code_list_folders=()):
    """The import of the schema at `path`, with the genericode files of its folder and of
    `code_list_folders` (also used by bench/fim_rebuild.py)."""
    from openkommune.forms.fim.importer import import_schema, load_code_lists

    return import_schema(
        path.read_bytes(),
        path=str(path),
        leika_keys=["99000000000000"],
        code_lists=load_code_lists([path.parent, *code_list_folders]),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schemas", nargs="*", type=Path)
    parser.add_argument("--codelists", action="append", type=Path, default=[])
    parser.add_argument("--show-missed", action="store_true")
    args = parser.parse_args(argv)
    setup_django()
    from django.conf import settings

    schemas = args.schemas or sorted(
        (Path(settings.DATA_DIR) / "fim-stammdatenschemata").glob("*.xml")
    )
    print(f"{'schema':<60} rules  taken  not  share")
    for path in schemas:
        result = import_fim(path, args.codelists)
        counts = result.counts()
        taken, missed = counts.get("rule_applied", 0), counts.get("rule", 0)
        total = taken + missed
        share = f"{100 * taken / total:.0f} %" if total else "–"
        print(f"{path.name[:60]:<60} {total:>5} {taken:>6} {missed:>4} {share:>6}")
        if args.show_missed:
            for entry in result.report:
                if entry.kind == "rule":
                    print(f"  - {entry.message}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
