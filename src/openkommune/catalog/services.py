"""Writes to the catalogue (only the import of an official release) and to the members'
activations of Leistungen (EfA activation, atomic and audited)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from openkommune.catalog import codes
from openkommune.catalog.constants import LageKind
from openkommune.catalog.models import (
    Lage,
    LeikaAssignment,
    LeikaService,
    OzgLeistung,
    ServiceActivation,
    Themenfeld,
    assignment_natural_key,
)
from openkommune.catalog.ozg_catalog import ParsedCatalog, parse_catalog
from openkommune.catalog.selectors import application_way
from openkommune.core.imports import SHRINK_LIMIT_PERCENT, ShrinkGuard, percent_text
from openkommune.core.progress import progress as progress_lines
from openkommune.core.read_cache import Topic, data_changed
from openkommune.tenancy.constants import Role
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.selectors import user_has_role
from openkommune.tenancy.services import (
    audit_record,
    changed_fields,
    reject_unknown_fields,
    snapshot,
)

BATCH_SIZE = 500


@dataclass
class SyncCounts:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0  # present before, missing from this release: now is_current=False


@dataclass
class CatalogImportSummary:
    themenfelder: SyncCounts
    lagen: SyncCounts
    leistungen: SyncCounts
    services: SyncCounts
    assignments: SyncCounts
    lagen_by_kind: dict[str, int]
    assignments_without_key: int
    assignments_without_ozg: int
    distinct_keys: int
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)
    count_mismatches: list[str] = field(default_factory=list)
    # Filled in a dry run when a real import would be refused as shrinking too much.
    shrink_warnings: list[str] = field(default_factory=list)
    dry_run: bool = False

    def lines(self) -> list[str]:
        """The German summary an operator reads after the import."""

        def n(value: int) -> str:
            return number_format(value, force_grouping=True)

        def entity(label: str, c: SyncCounts) -> str:
            return _(
                "%(label)s: %(total)s (neu %(new)s, aktualisiert %(upd)s, unverändert "
                "%(same)s, nicht mehr aktuell %(gone)s)"
            ) % {
                "label": label,
                "total": n(c.total),
                "new": n(c.created),
                "upd": n(c.updated),
                "same": n(c.unchanged),
                "gone": n(c.retired),
            }

        kinds = self.lagen_by_kind
        result = [
            entity(_("Themenfelder"), self.themenfelder),
            entity(_("Lebens- und Unternehmenslagen"), self.lagen),
            _("  davon Lebenslagen: %(l)s, Unternehmenslagen: %(u)s, nicht zugeordnet: %(x)s")
            % {
                "l": n(kinds.get(LageKind.LEBENSLAGE, 0)),
                "u": n(kinds.get(LageKind.UNTERNEHMENSLAGE, 0)),
                "x": n(kinds.get(LageKind.UNBEKANNT, 0)),
            },
            entity(_("OZG-Leistungen"), self.leistungen),
            entity(_("LeiKa-Leistungen"), self.services),
            entity(_("LeiKa-Zuordnungen"), self.assignments),
            _(
                "  davon ohne LeiKa-Schlüssel: %(k)s, ohne OZG-Leistung: %(o)s, "
                "verschiedene Schlüssel: %(d)s"
            )
            % {
                "k": n(self.assignments_without_key),
                "o": n(self.assignments_without_ozg),
                "d": n(self.distinct_keys),
            },
        ]
        if kinds.get(LageKind.UNBEKANNT):
            result.append(
                _(
                    "Hinweis: %(x)s Lagen sind weder als Lebens- noch als Unternehmenslage "
                    "bekannt (Art „unbekannt“); bitte die Namenslisten in catalog/constants.py "
                    "prüfen."
                )
                % {"x": n(kinds[LageKind.UNBEKANNT])}
            )
        for file_name, columns in self.ignored_columns.items():
            result.append(
                _("Ignorierte Spalten in %(file)s: %(cols)s")
                % {"file": file_name, "cols": ", ".join(columns)}
            )
        if self.count_mismatches:
            result.append(
                _(
                    "Hinweis: bei %(n)s OZG-Leistungen weicht die angegebene Anzahl "
                    "LeiKa-Leistungen von den Zeilen der Zuordnungsdatei ab: %(ids)s"
                )
                % {"n": n(len(self.count_mismatches)), "ids": ", ".join(self.count_mismatches[:20])}
            )
        if self.dry_run:
            result.append(_("Probelauf: nichts wurde gespeichert."))
        return result


class _DryRunRollback(Exception):
    pass


def catalog_import(
    *,
    source_dir: Path,
    stream: TextIO | None = None,
    show_progress: bool = False,
    dry_run: bool = False,
    allow_shrink: bool = False,
) -> CatalogImportSummary:
    """Import one release of the OZG/LeiKa catalogue from `source_dir`.

    All four files are parsed and validated first (OfficialFileError on any problem, and
    nothing written); then one transaction brings the tables to the release: new entries
    created, changed ones updated, missing ones marked not current. Idempotent.
    Raises `ShrinkRefused` (nothing written) when the release would retire more than
    SHRINK_LIMIT_PERCENT of the current OZG-Leistungen, unless `allow_shrink`; a dry run
    reports this in `shrink_warnings` instead.
    """

    def progress(items: Iterable, total: int, label: str) -> Iterable:
        if stream is None:
            return items
        return progress_lines(items, total=total, label=label, stream=stream, enabled=show_progress)

    parsed = parse_catalog(Path(source_dir), progress=progress)
    guard = ShrinkGuard(allow=allow_shrink, dry_run=dry_run)
    _check_leistungen_shrink(parsed, guard)
    try:
        with transaction.atomic():
            summary = _write(parsed, progress)
            data_changed(Topic.CATALOG)
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        summary.dry_run = True
    summary.shrink_warnings = guard.warnings
    return summary


def _check_leistungen_shrink(parsed: ParsedCatalog, guard: ShrinkGuard) -> None:
    """Before writing: how many current OZG-Leistungen the release no longer names."""
    current = set(OzgLeistung.objects.filter(is_current=True).values_list("ozg_id", flat=True))
    retired = len(current - {item.ozg_id for item in parsed.leistungen})
    guard.check(
        retired,
        len(current),
        f"Die neue Katalogfassung würde {retired} von {len(current)} aktuellen "
        f"OZG-Leistungen ({percent_text(retired, len(current))} %) als nicht mehr aktuell "
        f"markieren, mehr als {SHRINK_LIMIT_PERCENT} %",
    )


def _write(parsed: ParsedCatalog, progress: Callable) -> CatalogImportSummary:
    themenfelder = _sync(
        Themenfeld,
        lambda obj: obj.official_id,
        {
            t.official_id: {"official_id": t.official_id, "name": t.name}
            for t in parsed.themenfelder
        },
    )
    themenfeld_pk = dict(Themenfeld.objects.values_list("official_id", "pk"))

    lagen = _sync(
        Lage,
        lambda obj: obj.official_id,
        {
            lage.official_id: {
                "official_id": lage.official_id,
                "name": lage.name,
                "themenfeld_id": themenfeld_pk[lage.themenfeld_id],
                "kind": lage.kind,
            }
            for lage in parsed.lagen
        },
    )
    lage_pk = dict(Lage.objects.values_list("official_id", "pk"))

    leistungen = _sync(
        OzgLeistung,
        lambda obj: obj.ozg_id,
        {
            item.ozg_id: {
                "ozg_id": item.ozg_id,
                "name": item.name,
                "lage_id": lage_pk[item.lage_id],
                "themenfeld_id": themenfeld_pk[item.themenfeld_id],
                "stated_leika_count": item.stated_leika_count,
            }
            for item in parsed.leistungen
        },
    )
    leistung_pk = dict(OzgLeistung.objects.values_list("ozg_id", "pk"))

    # A LeiKa service takes the values of its key's first row (see LeikaService).
    service_values: dict[str, dict] = {}
    for row in parsed.assignments:
        if row.leika_key and row.leika_key not in service_values:
            service_values[row.leika_key] = {"key": row.leika_key, **_leika_values(row)}
    services = _sync(LeikaService, lambda obj: obj.key, service_values)
    service_pk = dict(LeikaService.objects.values_list("key", "pk"))

    assignment_values = {}
    for row in progress(
        parsed.assignments, len(parsed.assignments), _("LeiKa-Zuordnungen speichern")
    ):
        assignment_values[row.natural_key] = {
            **_leika_values(row),
            "leika_key": row.leika_key,
            "ozg_id": row.ozg_id,
            "occurrence": row.occurrence,
            "im_leika": row.im_leika,
            "leika_service_id": service_pk.get(row.leika_key) if row.leika_key else None,
            "ozg_leistung_id": leistung_pk[row.ozg_id] if row.ozg_id else None,
        }
    assignments = _sync(
        LeikaAssignment,
        lambda obj: assignment_natural_key(obj.leika_key, obj.ozg_id, obj.name, obj.occurrence),
        assignment_values,
    )

    kinds: dict[str, int] = {}
    for lage in parsed.lagen:
        kinds[lage.kind] = kinds.get(lage.kind, 0) + 1
    return CatalogImportSummary(
        themenfelder=themenfelder,
        lagen=lagen,
        leistungen=leistungen,
        services=services,
        assignments=assignments,
        lagen_by_kind=kinds,
        assignments_without_key=sum(1 for row in parsed.assignments if not row.leika_key),
        assignments_without_ozg=sum(1 for row in parsed.assignments if not row.ozg_id),
        distinct_keys=len(service_values),
        ignored_columns=parsed.ignored_columns,
        count_mismatches=parsed.count_mismatches,
    )


def _leika_values(row) -> dict:
    return {
        "name": row.name,
        "typisierung": row.typisierung,
        "typisierung_codes": row.typisierung_codes,
        "executed_by_kommune": codes.executed_by_kommune(row.typisierung_codes),
        "rechtsgrundlagen": row.rechtsgrundlagen,
        "gesetze": row.gesetze,
        "gesetzeskuerzel": row.gesetzeskuerzel,
        "sdg1": row.sdg1,
        "sdg2": row.sdg2,
    }


def _sync(
    model: type[models.Model], natural_key: Callable, wanted: dict[object, dict]
) -> SyncCounts:
    """Bring `model` to `wanted` (natural key -> field values) with bulk statements.

    Rows are matched by natural key in Python rather than with bulk upserts, because the
    assignment keys are partial unique constraints that ON CONFLICT cannot name portably,
    and because the counts of new/changed/unchanged rows are needed for the summary.
    """
    counts = SyncCounts(total=len(wanted))
    now = timezone.now()
    existing = {natural_key(obj): obj for obj in model.objects.all()}
    to_create, to_update = [], []
    for key, values in wanted.items():
        obj = existing.get(key)
        if obj is None:
            to_create.append(model(**values, is_current=True))
            continue
        changed = not obj.is_current
        for attr, value in values.items():
            if getattr(obj, attr) != value:
                setattr(obj, attr, value)
                changed = True
        if changed:
            obj.is_current = True
            obj.updated_at = now
            to_update.append(obj)
        else:
            counts.unchanged += 1
    retired = [obj for key, obj in existing.items() if key not in wanted and obj.is_current]
    for obj in retired:
        obj.is_current = False
        obj.updated_at = now
    fields = sorted({*next(iter(wanted.values()), {}), "is_current", "updated_at"})
    model.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    model.objects.bulk_update(to_update, fields, batch_size=BATCH_SIZE)
    model.objects.bulk_update(retired, ["is_current", "updated_at"], batch_size=BATCH_SIZE)
    counts.created, counts.updated, counts.retired = len(to_create), len(to_update), len(retired)
    return counts


# --- EfA activation -------------------------------------------------------------------

ACTIVATION_PARAMETERS = (
    "contact_name",
    "contact_email",
    "contact_phone",
    "fee",
    "processing_time",
    "opening_hours",
    "citizen_notes",
    "start_url",
    "min_trust_level",
)
ACTIVATION_FIELDS = ("is_active", *ACTIVATION_PARAMETERS)


def _check_way_to_apply(activation: ServiceActivation) -> None:
    """Raise ValidationError unless the link is https and an online Leistung has a way."""
    if activation.start_url and not activation.start_url.lower().startswith("https://"):
        raise ValidationError(
            {"start_url": _("Bitte geben Sie eine sichere Adresse an, die mit „https://“ beginnt.")}
        )
    if not activation.is_active:
        return
    way = application_way(ozg_leistung=activation.ozg_leistung, start_url=activation.start_url)
    if way.kind is None:
        raise ValidationError(
            {
                "is_active": _(
                    "„%(name)s“ kann noch nicht online angeboten werden: Die Plattform hat "
                    "dafür kein veröffentlichtes Formular. Geben Sie die Adresse Ihres eigenen "
                    "Online-Antrags an (beginnend mit „https://“) oder lassen Sie die "
                    "Leistung ausgeschaltet."
                )
                % {"name": activation.ozg_leistung.name}
            }
        )


@transaction.atomic
def service_activation_set(
    *, tenant, actor, ozg_leistung: OzgLeistung, is_active: bool, **params
) -> ServiceActivation:
    """Switch a Leistung on or off for the tenant and set its parameters.

    Only member administrators of the tenant (or the system, `actor=None`) may; anyone else
    gets PermissionDenied. Parameters not given keep their value. Writes nothing (and no
    audit record) when nothing changes. A Leistung is online only with a way to apply: the
    platform's published form or the member's own link (`start_url`, https only); else
    ValidationError and nothing changed.
    """
    reject_unknown_fields(params, ACTIVATION_PARAMETERS, "activation parameter")
    if actor is not None and not user_has_role(actor, tenant=tenant, role=Role.MEMBER_ADMIN):
        raise PermissionDenied(_("Nur die Mitgliedsverwaltung darf Leistungen freischalten."))
    with scope(tenant=tenant):
        activation = (
            ServiceActivation.objects.select_for_update()
            .filter(tenant=tenant, ozg_leistung=ozg_leistung)
            .first()
        )
        created = activation is None
        if created:
            activation = ServiceActivation(tenant=tenant, ozg_leistung=ozg_leistung)
            before = None
        else:
            before = snapshot(activation, ACTIVATION_FIELDS)
        activation.is_active = is_active
        for name, value in params.items():
            setattr(activation, name, value)
        activation.full_clean(validate_unique=False)
        _check_way_to_apply(activation)
        after = snapshot(activation, ACTIVATION_FIELDS)
        if before == after:
            return activation
        activation.save()
        # Whether and how the member offers it online: the responsible-authority answers.
        data_changed(Topic.ORGANISATIONS)
        old, new = changed_fields(before, after)
        audit_record(
            tenant=tenant,
            actor=actor,
            action="service_activation.create" if created else "service_activation.update",
            obj=activation,
            before=old,
            after={"ozg_id": ozg_leistung.ozg_id} | new,
        )
    return activation
