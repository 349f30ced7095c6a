"""Responsibility rules as pure functions: the data file and the Typisierung default.

No database here; `selectors.responsible_authority` applies these to a place. The rules and
their reasoning are in `data/responsibility.txt` and docs/adr/0005-responsibility-rules.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from openkommune.catalog.constants import ResponsibilitySource, ResponsibleLevel, TypisierungCode

RULES_FILE = Path(__file__).resolve().parent / "data" / "responsibility.txt"

_OZG_ID = re.compile(r"[0-9]{5}", re.ASCII)
_BUND_OR_LAND_REGULATES = frozenset(
    {TypisierungCode.TYP_2, TypisierungCode.TYP_3, TypisierungCode.TYP_2_3, TypisierungCode.TYP_4}
)


class ResponsibilityRulesError(Exception):
    """The rules file is malformed; the message names the file and the line."""


@dataclass(frozen=True)
class Rule:
    ozg_id: str
    level: ResponsibleLevel
    reason: str
    line: int


def parse_rules(text: str, *, source: str = str(RULES_FILE)) -> dict[str, Rule]:
    """Rules by OZG-ID. Raises ResponsibilityRulesError("<source>, Zeile <n>: …")."""
    rules: dict[str, Rule] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue

        def fail(problem: str, number=number) -> None:
            raise ResponsibilityRulesError(f"{source}, Zeile {number}: {problem}")

        parts = line.split(None, 2)
        if len(parts) < 3:
            fail("erwartet werden drei Spalten: OZG-ID, Ebene und Begründung.")
        ozg_id, level, reason = parts
        if not _OZG_ID.fullmatch(ozg_id):
            fail(f"„{ozg_id}“ ist keine OZG-ID (fünf Ziffern).")
        if level not in ResponsibleLevel.values:
            allowed = ", ".join(ResponsibleLevel.values)
            fail(f"unbekannte Ebene „{level}“; erlaubt sind {allowed}.")
        if ozg_id in rules:
            fail(f"die OZG-ID {ozg_id} steht schon in Zeile {rules[ozg_id].line}.")
        rules[ozg_id] = Rule(ozg_id, ResponsibleLevel(level), reason.strip(), number)
    return rules


@cache
def load_rules(path: Path = RULES_FILE) -> dict[str, Rule]:
    """The rules of the file, read once per process (it ships with the code)."""
    return parse_rules(path.read_text(encoding="utf-8"), source=str(path))


def level_from_typisierung(
    codes: Iterable[str],
) -> tuple[ResponsibleLevel, ResponsibilitySource]:
    """The default level from the Typisierung codes of an OZG-Leistung's LeiKa services.

    Any Bund- or Land-regulated task executed locally (2, 3, 2/3, 4) -> Kreis; else a purely
    municipal one (5) -> Gemeinde; else a federal one (1) -> Bund; else an assumption: Kreis.
    """
    present = set(codes)
    if present & _BUND_OR_LAND_REGULATES:
        return ResponsibleLevel.KREIS, ResponsibilitySource.TYPISIERUNG
    if TypisierungCode.TYP_5 in present:
        return ResponsibleLevel.GEMEINDE, ResponsibilitySource.TYPISIERUNG
    if TypisierungCode.TYP_1 in present:
        return ResponsibleLevel.BUND, ResponsibilitySource.TYPISIERUNG
    return ResponsibleLevel.KREIS, ResponsibilitySource.FALLBACK


def level_for(
    ozg_id: str, codes: Iterable[str], rules: dict[str, Rule] | None = None
) -> tuple[ResponsibleLevel, ResponsibilitySource, str]:
    """Level, source and reason for an OZG-Leistung without a regional override."""
    rule = (load_rules() if rules is None else rules).get(ozg_id)
    if rule is not None:
        return rule.level, ResponsibilitySource.RULE, rule.reason
    level, source = level_from_typisierung(codes)
    return level, source, ""
