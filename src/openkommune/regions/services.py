"""State changes of the regions app: importing the official directory and the postcode list."""

import io
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TextIO

from django.db import transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openkommune.core.errors import OfficialFileError
from openkommune.core.imports import SHRINK_LIMIT_PERCENT, ShrinkGuard, percent_text
from openkommune.core.progress import progress
from openkommune.core.read_cache import Topic, data_changed
from openkommune.regions.constants import (
    ARS_PATTERN,
    LEVEL_ORDER,
    LEVEL_RANK,
    PLACE_SESSION_KEY,
    POSTCODE_PATTERN,
    RegionLevel,
)
from openkommune.regions.gv100ad import (
    SKIPPED_RECORD_TYPES,
    Gv100adData,
    PostcodeRow,
    RegionRecord,
    parse_gv100ad,
    parse_postcodes,
)
from openkommune.regions.models import PostcodeArea, Region
from openkommune.regions.selectors import regions_cache_clear

# Rows per INSERT/UPDATE statement: large enough to keep round trips few, small enough for
# SQLite's limit on bound parameters (32766 since 3.32) with 14 columns per row.
BATCH_SIZE = 1000

# Everything the file determines about an existing row; compared to decide whether to update.
SYNCED_FIELDS = (
    "ags",
    "kind",
    "name",
    "seat",
    "land_code",
    "population",
    "population_male",
    "area_ha",
    "postcode_of_seat",
    "has_several_postcodes",
    "gebietsstand",
    "is_current",
    "parent_id",
)
# bulk_update takes field names, not attnames.
UPDATED_FIELDS = [name.removesuffix("_id") for name in SYNCED_FIELDS]

LEVEL_PLURALS = {
    RegionLevel.LAND: gettext_lazy("Länder"),
    RegionLevel.REGIERUNGSBEZIRK: gettext_lazy("Regierungsbezirke"),
    RegionLevel.KREIS: gettext_lazy("Kreise"),
    RegionLevel.GEMEINDEVERBAND: gettext_lazy("Gemeindeverbände"),
    RegionLevel.GEMEINDE: gettext_lazy("Gemeinden"),
}
STALE_EXAMPLES = 5


def region_field_limits() -> dict[str, int]:
    """Largest text length / number each column takes, read from the models.

    Number ranges are Django's portable ones (PostgreSQL's), not the backend's: SQLite would
    accept larger values, and a value the production database refuses must fail everywhere.
    """
    limits: dict[str, int] = {}
    for name in ("name", "seat", "kind", "postcode_of_seat"):
        limits[name] = Region._meta.get_field(name).max_length
    for name in ("population", "population_male", "area_ha"):
        internal_type = Region._meta.get_field(name).get_internal_type()
        limits[name] = BaseDatabaseOperations.integer_field_ranges[internal_type][1]
    limits["locality"] = PostcodeArea._meta.get_field("locality").max_length
    return limits


@dataclass
class LevelCounts:
    total: int = 0
    created: int = 0
    updated: int = 0
    no_longer_current: int = 0


@dataclass
class RegionImportResult:
    gv100ad_name: str
    postcodes_name: str
    gebietsstand: date | None
    lines: int
    levels: dict[str, LevelCounts] = field(default_factory=lambda: defaultdict(LevelCounts))
    skipped_records: dict[str, int] = field(default_factory=dict)
    postcodes_total: int = 0
    postcodes_created: int = 0
    postcodes_updated: int = 0
    postcodes_deleted: int = 0
    stale_postcode_rows: int = 0
    stale_postcode_examples: list[str] = field(default_factory=list)
    shrink_warnings: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary_lines(self) -> list[str]:
        """The German summary the command prints."""
        stand = date_format(self.gebietsstand, "d.m.Y") if self.gebietsstand else "unbekannt"
        lines = [
            _("GV100AD: %(name)s, Gebietsstand %(stand)s, %(lines)d Zeilen")
            % {"name": self.gv100ad_name, "stand": stand, "lines": self.lines}
        ]
        for level in LEVEL_ORDER:
            counts = self.levels[level]
            text = _("%(label)s: %(total)d (neu %(created)d, aktualisiert %(updated)d)") % {
                "label": LEVEL_PLURALS[level],
                "total": counts.total,
                "created": counts.created,
                "updated": counts.updated,
            }
            if counts.no_longer_current:
                text += _(", nicht mehr im Verzeichnis: %(count)d") % {
                    "count": counts.no_longer_current
                }
            lines.append(text)
        for record_type, count in sorted(self.skipped_records.items()):
            lines.append(
                _("Übersprungen: %(count)d Sätze der Satzart %(type)s (%(reason)s)")
                % {"count": count, "type": record_type, "reason": SKIPPED_RECORD_TYPES[record_type]}
            )
        lines.append(
            _(
                "Postleitzahlen (%(name)s): %(total)d Zuordnungen PLZ-Gemeinde "
                "(neu %(created)d, aktualisiert %(updated)d, entfernt %(deleted)d)"
            )
            % {
                "name": self.postcodes_name,
                "total": self.postcodes_total,
                "created": self.postcodes_created,
                "updated": self.postcodes_updated,
                "deleted": self.postcodes_deleted,
            }
        )
        if self.stale_postcode_rows:
            lines.append(
                _(
                    "Übersprungen: %(count)d Zeilen der PLZ-Liste nennen einen Gemeindeschlüssel, "
                    "den es im GV100AD nicht mehr gibt, z. B. %(examples)s"
                )
                % {
                    "count": self.stale_postcode_rows,
                    "examples": "; ".join(self.stale_postcode_examples),
                }
            )
        for warning in self.shrink_warnings:
            lines.append(
                _("Achtung: %(warning)s; ein echter Import bräuchte --allow-shrink.")
                % {"warning": warning}
            )
        if self.dry_run:
            lines.append(_("Probelauf: nichts wurde gespeichert."))
        return lines


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise OfficialFileError(
            _("Datei kann nicht gelesen werden (%(reason)s)") % {"reason": exc.strerror},
            path=path.name,
        ) from None


def regions_import(
    *,
    gv100ad_path: Path,
    postcodes_path: Path,
    progress_stream: TextIO | None = None,
    show_progress: bool = False,
    dry_run: bool = False,
    allow_shrink: bool = False,
) -> RegionImportResult:
    """Import the GV100AD directory and the postcode list, all or nothing.

    Both files are parsed and checked completely before the first write; the write runs in
    one transaction. Regions are matched by (ARS, level): existing rows are updated, missing
    ones marked `is_current=False` (organisations may refer to them, so they stay). Postcode
    pairs are brought in line with the list by difference. Raises `OfficialFileError`.

    Raises `ShrinkRefused` (nothing written) when more than SHRINK_LIMIT_PERCENT of the current
    Gemeinden would be retired or of the postcode pairs deleted, unless `allow_shrink`; a dry
    run reports this in `shrink_warnings` instead.
    """
    stream = progress_stream or sys.stderr
    limits = region_field_limits()
    raw = _read_bytes(gv100ad_path)
    data = parse_gv100ad(
        progress(
            io.BytesIO(raw),
            total=raw.count(b"\n"),
            label=_("GV100AD prüfen"),
            stream=stream,
            enabled=show_progress,
        ),
        file_name=gv100ad_path.name,
        limits=limits,
    )
    postcode_rows = parse_postcodes(
        _read_bytes(postcodes_path), file_name=postcodes_path.name, limits=limits
    )
    result = RegionImportResult(
        gv100ad_name=gv100ad_path.name,
        postcodes_name=postcodes_path.name,
        gebietsstand=data.gebietsstand,
        lines=data.lines,
        skipped_records=dict(data.skipped),
        dry_run=dry_run,
    )
    guard = ShrinkGuard(allow=allow_shrink, dry_run=dry_run, warnings=result.shrink_warnings)
    _check_gemeinden_shrink(data, guard, file_name=result.gv100ad_name)
    with transaction.atomic():
        by_key = _write_regions(data, result, stream=stream, show_progress=show_progress)
        _write_postcodes(postcode_rows, by_key, result, guard)
        data_changed(Topic.REGIONS)
        if dry_run:
            transaction.set_rollback(True)
        else:
            # This process sees the new register at once (also inside an enclosing
            # transaction, and anything cached while this one was open is dropped at its
            # commit); other processes when their cache expires.
            regions_cache_clear()
            transaction.on_commit(regions_cache_clear)
    return result


def _check_gemeinden_shrink(data: Gv100adData, guard: ShrinkGuard, *, file_name: str) -> None:
    """Before writing: how many current Gemeinden the new file no longer names."""
    current = set(
        Region.objects.filter(level=RegionLevel.GEMEINDE, is_current=True).values_list(
            "ars", flat=True
        )
    )
    kept = {record.ars for record in data.records if record.level == RegionLevel.GEMEINDE}
    retired = len(current - kept)
    guard.check(
        retired,
        len(current),
        _(
            "%(name)s würde %(retired)d von %(total)d aktuellen Gemeinden (%(percent)s %%) "
            "als nicht mehr aktuell markieren, mehr als %(limit)d %%"
        )
        % {
            "name": file_name,
            "retired": retired,
            "total": len(current),
            "percent": percent_text(retired, len(current)),
            "limit": SHRINK_LIMIT_PERCENT,
        },
    )


def _record_values(record: RegionRecord, by_key: dict[tuple[str, str], Region]) -> dict:
    parent_id = None
    if record.parent_ars is not None:
        parent_id = by_key[(record.parent_ars, record.parent_level)].pk
    return {
        "ags": record.ags,
        "kind": record.kind,
        "name": record.name,
        "seat": record.seat,
        "land_code": record.land_code,
        "population": record.population,
        "population_male": record.population_male,
        "area_ha": record.area_ha,
        "postcode_of_seat": record.postcode_of_seat,
        "has_several_postcodes": record.has_several_postcodes,
        "gebietsstand": record.gebietsstand,
        "is_current": True,
        "parent_id": parent_id,
    }


def _write_regions(
    data: Gv100adData, result: RegionImportResult, *, stream: TextIO, show_progress: bool
) -> dict[tuple[str, str], Region]:
    # One query for everything already there; matching in memory beats 16,000 lookups.
    existing = {(region.ars, region.level): region for region in Region.objects.order_by()}
    by_key: dict[tuple[str, str], Region] = {}
    # Parents first: a level is written before the next, so new parents have their pk.
    records = sorted(data.records, key=lambda record: LEVEL_RANK[record.level])
    to_create: list[Region] = []
    to_update: list[Region] = []

    def flush(level: str) -> None:
        Region.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        Region.objects.bulk_update(to_update, UPDATED_FIELDS, batch_size=BATCH_SIZE)
        result.levels[level].created += len(to_create)
        result.levels[level].updated += len(to_update)
        to_create.clear()
        to_update.clear()

    current_level = None
    for record in progress(
        records,
        total=len(records),
        label=_("Gebietseinheiten speichern"),
        stream=stream,
        enabled=show_progress,
    ):
        if record.level != current_level:
            if current_level is not None:
                flush(current_level)
            current_level = record.level
        values = _record_values(record, by_key)
        region = existing.get(record.key)
        if region is None:
            region = Region(ars=record.ars, level=record.level, **values)
            to_create.append(region)
        elif any(getattr(region, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(region, name, value)
            to_update.append(region)
        by_key[record.key] = region
        result.levels[record.level].total += 1
    if current_level is not None:
        flush(current_level)

    vanished = [
        region for key, region in existing.items() if key not in by_key and region.is_current
    ]
    for region in vanished:
        result.levels[region.level].no_longer_current += 1
    vanished_ids = [region.pk for region in vanished]
    for start in range(0, len(vanished_ids), BATCH_SIZE):
        Region.objects.filter(pk__in=vanished_ids[start : start + BATCH_SIZE]).update(
            is_current=False
        )
    return by_key


def _write_postcodes(
    rows: list[PostcodeRow],
    by_key: dict[tuple[str, str], Region],
    result: RegionImportResult,
    guard: ShrinkGuard,
) -> None:
    gemeinde_ids = {
        region.ags: region.pk
        for (_ars, level), region in by_key.items()
        if level == RegionLevel.GEMEINDE
    }
    wanted: dict[tuple[str, int], str] = {}
    for row in rows:
        gemeinde_id = gemeinde_ids.get(row.ags)
        if gemeinde_id is None:
            result.stale_postcode_rows += 1
            if len(result.stale_postcode_examples) < STALE_EXAMPLES:
                result.stale_postcode_examples.append(
                    _("Zeile %(line)d: %(postcode)s %(locality)s (AGS %(ags)s)")
                    % {
                        "line": row.line,
                        "postcode": row.postcode,
                        "locality": row.locality,
                        "ags": row.ags,
                    }
                )
            continue
        # The list has one row per (Gemeinde, postcode); should a pair repeat, the first wins.
        wanted.setdefault((row.postcode, gemeinde_id), row.locality)

    existing = {
        (postcode, gemeinde_id): (pk, locality)
        for pk, postcode, gemeinde_id, locality in PostcodeArea.objects.values_list(
            "pk", "postcode", "gemeinde_id", "locality"
        )
    }
    to_create = [
        PostcodeArea(postcode=postcode, gemeinde_id=gemeinde_id, locality=locality)
        for (postcode, gemeinde_id), locality in wanted.items()
        if (postcode, gemeinde_id) not in existing
    ]
    to_update = [
        PostcodeArea(pk=pk, postcode=key[0], gemeinde_id=key[1], locality=wanted[key])
        for key, (pk, locality) in existing.items()
        if key in wanted and wanted[key] != locality
    ]
    to_delete = [pk for key, (pk, _locality) in existing.items() if key not in wanted]
    # Checked before the postcode writes; raising rolls back the regions written already.
    guard.check(
        len(to_delete),
        len(existing),
        _(
            "%(name)s würde %(deleted)d von %(total)d Zuordnungen PLZ-Gemeinde "
            "(%(percent)s %%) löschen, mehr als %(limit)d %%"
        )
        % {
            "name": result.postcodes_name,
            "deleted": len(to_delete),
            "total": len(existing),
            "percent": percent_text(len(to_delete), len(existing)),
            "limit": SHRINK_LIMIT_PERCENT,
        },
    )
    PostcodeArea.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    PostcodeArea.objects.bulk_update(to_update, ["locality"], batch_size=BATCH_SIZE)
    for start in range(0, len(to_delete), BATCH_SIZE):
        PostcodeArea.objects.filter(pk__in=to_delete[start : start + BATCH_SIZE]).delete()
    result.postcodes_total = len(wanted)
    result.postcodes_created = len(to_create)
    result.postcodes_updated = len(to_update)
    result.postcodes_deleted = len(to_delete)


# --- the visitor's remembered place ----------------------------------------------------


def place_remember(session, *, postcode: str, ars: str = "") -> None:
    """Keep the visitor's postcode (checked by `PostcodeForm`) and, where the postcode spans
    several Gemeinden, the chosen one's key in the session. Not personal data beyond the
    session: it goes with the session and with "Ort vergessen"."""
    if not re.fullmatch(POSTCODE_PATTERN, postcode):
        raise ValueError(f"Not a postcode: {postcode!r}")
    ars = ars if re.fullmatch(ARS_PATTERN, ars or "") else ""
    place = {"plz": postcode, "ars": ars}
    if session.get(PLACE_SESSION_KEY) != place:
        session[PLACE_SESSION_KEY] = place


def place_forget(session) -> None:
    session.pop(PLACE_SESSION_KEY, None)
