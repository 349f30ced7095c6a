import io

import pytest
from django.core.management import CommandError, call_command

from openkommune.procurement.models import CatalogItem, FrameworkContract, Supplier
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


def test_demo_needs_demo_mode_or_force(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="nicht im Demo-Modus"):
        call_command("load_procurement_demo", stdout=io.StringIO())
    assert not FrameworkContract.objects.exists()


def test_demo_is_marked_and_idempotent():
    call_command("load_procurement_demo", force=True, stdout=io.StringIO())
    contracts = list(FrameworkContract.objects.order_by("number"))
    assert [c.number for c in contracts] == ["DEMO-RV-001", "DEMO-RV-002"]
    assert all(c.is_demo and "Demo" in c.title for c in contracts)
    assert all(s.is_demo and s.name.endswith("(Demo)") for s in Supplier.objects.all())
    assert all("(Demo)" in i.description for i in CatalogItem.objects.all())
    cpv = set(CatalogItem.objects.values_list("cpv_code", flat=True))
    assert cpv == {"30213100-6", "30231000-7", "48000000-8", "80500000-9", "50300000-8"}
    assert all(i.tiers.count() >= 2 for i in CatalogItem.objects.all())
    with scopes_disabled():
        audits = AuditRecord.objects.count()
    call_command("load_procurement_demo", force=True, stdout=io.StringIO())
    assert FrameworkContract.objects.count() == 2
    assert CatalogItem.objects.count() == 7
    with scopes_disabled():
        assert AuditRecord.objects.count() == audits
