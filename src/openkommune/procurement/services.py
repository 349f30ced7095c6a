"""State changes of the cooperative's contract data: suppliers, contracts, lots, catalogue
items with price tiers, documents and the catalogue import. Call-offs are in
`procurement.calloffs` (re-exported here). Each function is atomic and audited.

Contract data belongs to the cooperative: only cooperative staff, superusers (the platform
operator) and the system (`actor=None`: demo loader, commands) write it. Audit records go to
the cooperative organisation's trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from openkommune.procurement import io as catalog_io
from openkommune.procurement.calloffs import (  # noqa: F401 - the app's service surface
    AwardedLine,
    CallOffRefused,
    call_off_add_line,
    call_off_approve,
    call_off_cancel,
    call_off_create,
    call_off_create_awarded,
    call_off_line_remove,
    call_off_line_update,
    call_off_order,
    call_off_reject,
    call_off_share,
    call_off_submit,
    call_off_update_details,
    procurement_settings_update,
    procurement_threshold_decide,
)
from openkommune.procurement.constants import DOCUMENT_MAX_BYTES, TierMode
from openkommune.procurement.models import (
    CatalogItem,
    ContractDocument,
    FrameworkContract,
    Lot,
    PriceTier,
    Supplier,
)
from openkommune.procurement.pricing import sorted_tiers
from openkommune.procurement.terms import term_error
from openkommune.procurement.uploads import detect_document_type
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.selectors import cooperative_get, require_cooperative_staff
from openkommune.tenancy.services import (
    audit_record,
    changed_fields,
    reject_unknown_fields,
    save_audited,
    snapshot,
)

SUPPLIER_FIELDS = (
    "name", "address", "email", "vat_id", "contact_name", "contact_phone", "contact_email",
    "einvoice_address", "is_demo",
)  # fmt: skip
# What staff edit in the contract form; `is_demo` is set only by the demo data.
CONTRACT_FORM_FIELDS = (
    "number",
    "title",
    "subject",
    "legal_basis",
    "starts_on",
    "ends_on",
    "max_value",
    "max_quantity",
    "callers_all_members",
    "caller_kinds",
)
CONTRACT_FIELDS = (*CONTRACT_FORM_FIELDS, "is_demo")
LOT_FIELDS = ("number", "title")
ITEM_FIELDS = (
    "lot",
    "supplier",
    "article_number",
    "description",
    "cpv_code",
    "unit",
    "valid_from",
    "valid_until",
    "tier_mode",
    "is_active",
)


def _require_staff(actor) -> None:
    require_cooperative_staff(
        actor, _("Nur Beschäftigte der Genossenschaft dürfen Verträge pflegen.")
    )


def _audit(actor, action: str, obj, before=None, after=None) -> None:
    audit_record(
        tenant=cooperative_get(), actor=actor, action=action, obj=obj, before=before, after=after
    )


def _create(actor, obj, action: str, fields: tuple[str, ...]):
    """Validate and save a new row; audit its `fields`."""
    return save_audited(obj, tenant=cooperative_get(), actor=actor, action=action, fields=fields)


def _changed(actor, obj, changes: dict, kind: str, fields: tuple[str, ...], snapshot_of):
    """Staff only: the row, locked, with `changes` (of `fields` only; else a refusal naming
    `kind`) set on it, unsaved, and `snapshot_of` it from before the changes."""
    _require_staff(actor)
    reject_unknown_fields(changes, fields, kind)
    obj = type(obj).objects.select_for_update().get(pk=obj.pk)
    before = snapshot_of(obj)
    for name, value in changes.items():
        setattr(obj, name, value)
    return obj, before


def _update(actor, obj, changes: dict, kind: str, fields: tuple[str, ...]):
    """Staff only: set `changes` (of `fields` only) on the row, locked, validate and save it;
    audit what changed (`<kind>.update`)."""
    obj, before = _changed(actor, obj, changes, kind, fields, lambda row: snapshot(row, fields))
    obj.full_clean()
    obj.save()
    old, new = changed_fields(before, snapshot(obj, fields))
    if new:
        _audit(actor, f"{kind}.update", obj, before=old, after=new)
    return obj


# --- suppliers ------------------------------------------------------------------------------


@transaction.atomic
def supplier_create(*, actor, **fields) -> Supplier:
    _require_staff(actor)
    reject_unknown_fields(fields, SUPPLIER_FIELDS, "supplier")
    return _create(actor, Supplier(**fields), "supplier.create", SUPPLIER_FIELDS)


@transaction.atomic
def supplier_update(*, actor, supplier: Supplier, **changes) -> Supplier:
    return _update(actor, supplier, changes, "supplier", SUPPLIER_FIELDS)


# --- contracts ------------------------------------------------------------------------------


def _contract_snapshot(contract: FrameworkContract) -> dict:
    data = snapshot(contract, CONTRACT_FIELDS)
    data["suppliers"] = sorted(contract.suppliers.values_list("pk", flat=True))
    data["named_callers"] = sorted(contract.named_callers.values_list("pk", flat=True))
    return data


def _validate_contract(contract: FrameworkContract) -> None:
    # clean() carries the term rule too; checked explicitly so that the service refuses a
    # bad term even when a caller skips full_clean().
    contract.full_clean()
    message = term_error(contract.legal_basis, contract.starts_on, contract.ends_on)
    if message:
        raise ValidationError({"ends_on": message})


def _check_callers(named_callers: Iterable[Organisation]) -> list[Organisation]:
    callers = list(named_callers)
    if any(o.is_cooperative for o in callers):
        raise ValidationError({"named_callers": _("Die Genossenschaft selbst kann nicht abrufen.")})
    return callers


@transaction.atomic
def contract_create(
    *,
    actor,
    suppliers: Iterable[Supplier] = (),
    named_callers: Iterable[Organisation] = (),
    **fields,
) -> FrameworkContract:
    """Create a framework contract; refuses a term longer than its legal basis allows and a
    contract without maximum quantity or value (ValidationError with German messages)."""
    _require_staff(actor)
    reject_unknown_fields(fields, CONTRACT_FIELDS, "contract")
    callers = _check_callers(named_callers)
    contract = FrameworkContract(**fields)
    contract.caller_kinds = list(contract.caller_kinds or [])
    _validate_contract(contract)
    contract.save()
    contract.suppliers.set(list(suppliers))
    contract.named_callers.set(callers)
    _audit(actor, "contract.create", contract, after=_contract_snapshot(contract))
    return contract


@transaction.atomic
def contract_update(
    *,
    actor,
    contract: FrameworkContract,
    suppliers: Iterable[Supplier] | None = None,
    named_callers: Iterable[Organisation] | None = None,
    **changes,
) -> FrameworkContract:
    contract, before = _changed(
        actor, contract, changes, "contract", CONTRACT_FIELDS, _contract_snapshot
    )
    _validate_contract(contract)
    if suppliers is not None:
        suppliers = list(suppliers)
        in_use = set(contract.items.values_list("supplier_id", flat=True))
        dropped = in_use - {s.pk for s in suppliers}
        if dropped:
            raise ValidationError(
                {"suppliers": _("Ein Lieferant mit Katalogartikeln kann nicht entfernt werden.")}
            )
    contract.save()
    if suppliers is not None:
        contract.suppliers.set(suppliers)
    if named_callers is not None:
        contract.named_callers.set(_check_callers(named_callers))
    old, new = changed_fields(before, _contract_snapshot(contract))
    if new:
        _audit(actor, "contract.update", contract, before=old, after=new)
    return contract


# --- lots -----------------------------------------------------------------------------------


@transaction.atomic
def lot_create(*, actor, contract: FrameworkContract, number: int, title: str) -> Lot:
    _require_staff(actor)
    lot = Lot(contract=contract, number=number, title=title)
    return _create(actor, lot, "lot.create", ("contract", *LOT_FIELDS))


@transaction.atomic
def lot_update(*, actor, lot: Lot, **changes) -> Lot:
    return _update(actor, lot, changes, "lot", LOT_FIELDS)


@transaction.atomic
def lot_delete(*, actor, lot: Lot) -> None:
    """Delete a lot; its items stay in the contract without a lot."""
    _require_staff(actor)
    _audit(actor, "lot.delete", lot, before=snapshot(lot, ("contract", *LOT_FIELDS)))
    lot.delete()


# --- catalogue items ------------------------------------------------------------------------


def _item_snapshot(item: CatalogItem) -> dict:
    data = snapshot(item, ITEM_FIELDS)
    data["tiers"] = [
        [t.min_quantity, str(t.unit_price)] for t in item.tiers.order_by("min_quantity")
    ]
    return data


def _validate_item(item: CatalogItem, tiers) -> list[tuple[int, Decimal]]:
    errors = {}
    try:
        item.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    contract = item.contract
    if item.supplier_id and not contract.suppliers.filter(pk=item.supplier_id).exists():
        errors.setdefault("supplier", []).append(
            _("Der Lieferant ist nicht Vertragspartner dieses Rahmenvertrags.")
        )
    if item.lot_id and item.lot.contract_id != contract.pk:
        errors.setdefault("lot", []).append(_("Das Los gehört zu einem anderen Vertrag."))
    ordered: list[tuple[int, Decimal]] = []
    try:
        ordered = sorted_tiers(tiers)
    except ValueError:
        errors.setdefault("tiers", []).append(
            _("Die erste Preisstaffel muss bei Menge 0 beginnen („0: Preis“).")
        )
    if len({m for m, _p in ordered}) != len(ordered):
        errors.setdefault("tiers", []).append(_("Jede Menge darf nur eine Staffel haben."))
    if any(p < 0 for _m, p in ordered):
        errors.setdefault("tiers", []).append(_("Preise dürfen nicht negativ sein."))
    if errors:
        raise ValidationError(errors)
    return ordered


def _write_tiers(item: CatalogItem, tiers: list[tuple[int, Decimal]]) -> None:
    item.tiers.all().delete()
    PriceTier.objects.bulk_create(
        PriceTier(item=item, min_quantity=m, unit_price=p) for m, p in tiers
    )


@transaction.atomic
def catalog_item_create(*, actor, contract: FrameworkContract, tiers, **fields) -> CatalogItem:
    """Create an item with its price tiers [(min_quantity, unit_price), …], first at 0."""
    _require_staff(actor)
    reject_unknown_fields(fields, ITEM_FIELDS, "item")
    fields.setdefault("tier_mode", TierMode.ALL_UNITS)
    item = CatalogItem(contract=contract, **fields)
    ordered = _validate_item(item, tiers)
    item.save()
    _write_tiers(item, ordered)
    _audit(actor, "catalog_item.create", item, after=_item_snapshot(item))
    return item


@transaction.atomic
def catalog_item_update(*, actor, item: CatalogItem, tiers=None, **changes) -> CatalogItem:
    """Change an item; new tiers replace the old ones. Prices already on submitted
    call-offs stay as they were (each line keeps its own price)."""
    item, before = _changed(actor, item, changes, "item", ITEM_FIELDS, _item_snapshot)
    current = [(t.min_quantity, t.unit_price) for t in item.tiers.all()]
    ordered = _validate_item(item, current if tiers is None else tiers)
    item.save()
    if tiers is not None:
        _write_tiers(item, ordered)
    old, new = changed_fields(before, _item_snapshot(item))
    if new:
        _audit(actor, "catalog_item.update", item, before=old, after=new)
    return item


@transaction.atomic
def catalog_item_delete(*, actor, item: CatalogItem) -> None:
    """Delete an item never called off; one with call-offs must be deactivated instead."""
    _require_staff(actor)
    before = _item_snapshot(item)
    try:
        with transaction.atomic():
            item.delete()
    except ProtectedError as error:
        raise ValidationError(
            _("Der Artikel wurde schon abgerufen und kann nur deaktiviert werden.")
        ) from error
    audit_record(
        tenant=cooperative_get(),
        actor=actor,
        action="catalog_item.delete",
        obj=item,
        before=before,
    )


def catalog_import(*, actor, contract: FrameworkContract, file) -> catalog_io.ImportResult:
    """Import catalogue items from CSV or XLSX (`file`: bytes or a file object).

    Every row is validated first; if any row is bad, `CatalogImportError` lists all
    errors with their line numbers and nothing is written. Rows with an article number that
    exists for the supplier update that item (tiers replaced), others create one.
    """
    _require_staff(actor)
    # Read and checked (streaming, with limits) before the transaction: a slow or hostile
    # file must not hold a write lock while it is parsed.
    rows = catalog_io.parse_catalog(file, contract=contract)
    with transaction.atomic():
        return _catalog_import_rows(actor, contract, rows)


def _catalog_import_rows(actor, contract, rows) -> catalog_io.ImportResult:
    result = catalog_io.ImportResult(rows=len(rows))
    errors: list[str] = []
    for row in rows:
        existing = CatalogItem.objects.filter(
            contract=contract, supplier=row.fields["supplier"], article_number=row.article_number
        ).first()
        try:
            if existing is None:
                catalog_item_create(
                    actor=actor,
                    contract=contract,
                    tiers=row.tiers,
                    article_number=row.article_number,
                    **row.fields,
                )
                result.created += 1
            else:
                catalog_item_update(actor=actor, item=existing, tiers=row.tiers, **row.fields)
                result.updated += 1
        except ValidationError as error:
            errors.extend(f"Zeile {row.line}: {message}" for message in error.messages)
    if errors:
        # Raising inside the atomic block rolls back the rows already written.
        raise catalog_io.CatalogImportError(errors)
    return result


# --- documents ------------------------------------------------------------------------------


@transaction.atomic
def document_upload(*, actor, contract: FrameworkContract, title: str, file) -> ContractDocument:
    """Store a contract document privately. The type is detected from the content (PDF,
    office formats, plain text); anything else and files over the size limit are refused."""
    _require_staff(actor)
    if file.size > DOCUMENT_MAX_BYTES:
        raise ValidationError({"file": _("Die Datei ist größer als 20 MB.")})
    content = file.read()
    file.seek(0)
    content_type = detect_document_type(content)
    if content_type is None:
        raise ValidationError(
            {"file": _("Erlaubt sind PDF, Word, Excel, OpenDocument und Text-Dateien.")}
        )
    document = ContractDocument(
        contract=contract,
        title=title.strip(),
        original_name=(getattr(file, "name", "") or "")[-255:],
        content_type=content_type,
        size=file.size,
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    document.file.save("upload", file, save=False)
    try:
        document.full_clean()
        document.save()
    except Exception:
        # The transaction rolls back the row, not the file on disk.
        document.file.delete(save=False)
        raise
    _audit(
        actor,
        "contract_document.upload",
        document,
        after=snapshot(document, ("contract", "title", "content_type", "size")),
    )
    return document


@transaction.atomic
def document_delete(*, actor, document: ContractDocument) -> None:
    _require_staff(actor)
    _audit(
        actor,
        "contract_document.delete",
        document,
        before=snapshot(document, ("contract", "title", "content_type", "size")),
    )
    storage, name = document.file.storage, document.file.name
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))
