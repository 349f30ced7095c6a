"""Issue 19, part 6: staff keep the funding categories on pages of their own (the docs sent
them to the admin, which refuses them): add, change, delete after a confirmation, audited;
bad input gives a German error and changes nothing."""

import pytest
from django.urls import reverse

from openkommune.digitalpakt.models import FundingCategory
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
LIST = reverse("digitalpakt:categories")


def test_staff_add_change_and_delete_a_category(client, programme_1):
    staff = UserFactory(cooperative_staff=True)
    client.force_login(staff)
    assert programme_1.name in client.get(LIST).content.decode()
    create = reverse("digitalpakt:category_create", args=[programme_1.public_id])
    bad = client.post(create, {"name": "Tablets (Test)", "cpv_prefixes": "30213, 3x"})
    assert bad.status_code == 422
    assert "ist kein CPV-Präfix" in bad.content.decode()
    assert not FundingCategory.objects.filter(name="Tablets (Test)").exists()
    client.post(create, {"name": "Tablets (Test)", "cpv_prefixes": "30213; 3021320"})
    category = FundingCategory.objects.get(programme=programme_1, name="Tablets (Test)")
    assert category.cpv_prefixes == ["30213", "3021320"]
    assert category.matches("30213200-6")
    edit = reverse("digitalpakt:category_edit", args=[category.pk])
    client.post(edit, {"name": "Tablets und Notebooks (Test)", "cpv_prefixes": "30213"})
    category.refresh_from_db()
    assert category.name == "Tablets und Notebooks (Test)"
    delete = reverse("digitalpakt:category_delete", args=[category.pk])
    assert "Ja, Kategorie löschen" in client.get(delete).content.decode()
    assert FundingCategory.objects.filter(pk=category.pk).exists()  # GET changes nothing
    client.post(delete)
    assert not FundingCategory.objects.filter(pk=category.pk).exists()
    with scopes_disabled():
        actions = list(
            AuditRecord.objects.filter(action__startswith="funding_category.", actor=staff)
            .order_by("id")
            .values_list("action", flat=True)
        )
    assert actions == [
        "funding_category.create",
        "funding_category.update",
        "funding_category.delete",
    ]


def test_members_cannot_keep_categories(client, programme_1):
    client.force_login(UserFactory(member_admin=True))
    assert client.get(LIST).status_code == 403
    create = reverse("digitalpakt:category_create", args=[programme_1.public_id])
    assert client.post(create, {"name": "X", "cpv_prefixes": "30213"}).status_code == 403
    assert not FundingCategory.objects.filter(name="X").exists()
