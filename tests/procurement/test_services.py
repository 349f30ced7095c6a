"""Contract data services: term rule per legal basis, maximum, callers, items with tiers,
documents; permissions and audit records."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from openkommune.procurement import services
from openkommune.procurement.constants import LegalBasis, TierMode
from openkommune.procurement.models import CatalogItem, FrameworkContract
from openkommune.procurement.selectors import line_total, unit_price_for
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.procurement.factories import ContractFactory, ItemFactory, SupplierFactory
from tests.tenancy.factories import OrganisationFactory, cooperative

pytestmark = pytest.mark.django_db


def _contract_fields(**overrides):
    fields = {
        "number": "RV-2026-001",
        "title": "Arbeitsplatz-Hardware",
        "legal_basis": LegalBasis.VGV_21,
        "starts_on": datetime.date(2026, 1, 1),
        "ends_on": datetime.date(2029, 12, 31),
        "max_value": Decimal("500000.00"),
        "callers_all_members": True,
    }
    fields.update(overrides)
    return fields


def test_staff_create_a_contract_with_suppliers_and_named_callers(staff):
    supplier = SupplierFactory()
    caller = OrganisationFactory()
    contract = services.contract_create(
        actor=staff,
        suppliers=[supplier],
        named_callers=[caller],
        **_contract_fields(callers_all_members=False),
    )
    assert list(contract.suppliers.all()) == [supplier]
    assert list(contract.named_callers.all()) == [caller]
    with scopes_disabled():
        record = AuditRecord.objects.get(action="contract.create")
    assert record.actor == staff
    assert record.after["number"] == "RV-2026-001"


def test_term_over_four_years_refused_for_vgv_but_six_allowed_for_uvgo(staff):
    with pytest.raises(ValidationError) as error:
        services.contract_create(actor=staff, **_contract_fields(ends_on=datetime.date(2030, 1, 1)))
    assert "höchstens 4 Jahre" in error.value.message_dict["ends_on"][0]
    assert not FrameworkContract.objects.exists()
    contract = services.contract_create(
        actor=staff,
        **_contract_fields(legal_basis=LegalBasis.UVGO_15, ends_on=datetime.date(2031, 12, 31)),
    )
    with pytest.raises(ValidationError) as error:
        services.contract_update(actor=staff, contract=contract, ends_on=datetime.date(2032, 1, 1))
    assert "höchstens 6 Jahre" in error.value.message_dict["ends_on"][0]
    with pytest.raises(ValidationError):
        services.contract_update(actor=staff, contract=contract, legal_basis=LegalBasis.VGV_21)


def test_model_clean_carries_the_term_rule_too():
    contract = FrameworkContract(**_contract_fields(ends_on=datetime.date(2030, 1, 1)))
    with pytest.raises(ValidationError) as error:
        contract.clean()
    assert "ends_on" in error.value.message_dict


def test_a_maximum_quantity_or_value_is_required(staff):
    with pytest.raises(ValidationError) as error:
        services.contract_create(actor=staff, **_contract_fields(max_value=None))
    assert error.value.message_dict["max_value"] == [
        "Geben Sie eine Höchstmenge oder einen Höchstwert an."
    ]
    contract = services.contract_create(
        actor=staff, **_contract_fields(max_value=None, max_quantity=500)
    )
    assert contract.max_quantity == 500


def test_the_cooperative_cannot_be_a_named_caller(staff):
    with pytest.raises(ValidationError):
        services.contract_create(
            actor=staff,
            named_callers=[cooperative()],
            **_contract_fields(),
        )


def test_members_cannot_write_contract_data(clerk):
    with pytest.raises(PermissionDenied):
        services.contract_create(actor=clerk, **_contract_fields())
    with pytest.raises(PermissionDenied):
        services.supplier_create(actor=clerk, name="X")


def test_item_with_tiers_and_price_functions(staff):
    contract = ContractFactory()
    item = services.catalog_item_create(
        actor=staff,
        contract=contract,
        tiers=[(10, Decimal("849.00")), (0, Decimal("899.00"))],
        supplier=contract.suppliers.get(),
        article_number="NB-14",
        description="Notebook 14 Zoll",
        cpv_code="30213100-6",
        valid_from=contract.starts_on,
    )
    assert [(t.min_quantity, t.unit_price) for t in item.tiers.all()] == [
        (0, Decimal("899.00")),
        (10, Decimal("849.00")),
    ]
    assert unit_price_for(item, 9) == Decimal("899.00")
    assert unit_price_for(item, 10) == Decimal("849.00")
    assert line_total(item, 10) == Decimal("8490.00")
    services.catalog_item_update(actor=staff, item=item, tier_mode=TierMode.INCREMENTAL)
    item.refresh_from_db()
    assert line_total(item, 10) == Decimal("8940.00")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"cpv_code": "3021310-6"}, "cpv_code"),
        ({"tiers": [(5, Decimal("1"))]}, "tiers"),
        ({"supplier": "other"}, "supplier"),
    ],
)
def test_item_validation(staff, changes, field):
    contract = ContractFactory()
    fields = {
        "supplier": contract.suppliers.get(),
        "article_number": "A-1",
        "description": "Artikel",
        "cpv_code": "30213100-6",
        "valid_from": contract.starts_on,
        "tiers": [(0, Decimal("1.00"))],
    }
    fields.update(changes)
    if fields["supplier"] == "other":
        fields["supplier"] = SupplierFactory()
    with pytest.raises(ValidationError) as error:
        services.catalog_item_create(actor=staff, contract=contract, **fields)
    assert field in error.value.message_dict
    assert not CatalogItem.objects.exists()


def test_duplicate_article_number_is_refused(staff):
    item = ItemFactory()
    with pytest.raises(ValidationError):
        services.catalog_item_create(
            actor=staff,
            contract=item.contract,
            tiers=[(0, Decimal("1.00"))],
            supplier=item.supplier,
            article_number=item.article_number,
            description="Doppelt",
            cpv_code="30213100-6",
            valid_from=item.valid_from,
        )


def test_document_upload_detects_type_from_content(staff, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    contract = ContractFactory()
    pdf = SimpleUploadedFile("vertrag.txt", b"%PDF-1.7\n...", content_type="text/plain")
    document = services.document_upload(
        actor=staff, contract=contract, title="Vertragstext", file=pdf
    )
    assert document.content_type == "application/pdf"
    stored = tmp_path / document.file.name
    assert stored.read_bytes().startswith(b"%PDF")
    assert "vertrag" not in document.file.name  # never the uploaded name
    bad = SimpleUploadedFile(
        "bild.pdf", b"\x89PNG\r\n\x1a\n\x00\x00", content_type="application/pdf"
    )
    with pytest.raises(ValidationError):
        services.document_upload(actor=staff, contract=contract, title="Bild", file=bad)
    assert contract.documents.count() == 1


def test_document_delete_removes_the_file(
    staff, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    contract = ContractFactory()
    document = services.document_upload(
        actor=staff, contract=contract, title="Text", file=SimpleUploadedFile("a.txt", b"Hallo")
    )
    path = tmp_path / document.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.document_delete(actor=staff, document=document)
    assert not path.exists()
