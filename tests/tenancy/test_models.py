import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from openkommune.tenancy.constants import OrganisationKind, Role
from openkommune.tenancy.models import AuditRecord, AuditRecordImmutableError, Organisation
from openkommune.tenancy.scoping import scope, scopes_disabled
from openkommune.tenancy.services import audit_record
from tests.accounts.factories import UserFactory
from tests.tenancy.factories import OrganisationFactory, cooperative

pytestmark = pytest.mark.django_db


def test_organisation_kinds_are_the_cooperatives_member_types():
    assert dict(OrganisationKind.choices) == {
        "landkreis": "Landkreis",
        "kreisfreie_stadt": "kreisfreie Stadt",
        "stadt": "Stadt",
        "gemeinde": "Gemeinde",
        "verbandsgemeinde": "Verbandsgemeinde",
        "stiftung": "Stiftung",
        "anstalt": "Anstalt des öffentlichen Rechts",
        "koerperschaft": "Körperschaft des öffentlichen Rechts",
        "bildungseinrichtung": "Bildungseinrichtung",
        "verein": "Verein",
        "zweckverband": "Zweckverband",
        "kommunales_unternehmen": "kommunales Unternehmen",
        "genossenschaft": "Genossenschaft",
    }
    assert dict(Role.choices) == {
        "clerk": "Sachbearbeitung",
        "member_admin": "Mitgliedsverwaltung",
        "cooperative_staff": "Genossenschaft",
    }


@pytest.mark.parametrize("ars", ["15003000000", "1500300000000", "15003000000X", " 50030000000"])
def test_database_refuses_a_malformed_region_key(ars):
    # PostgreSQL rejects a 13th digit by the column length (DataError) before the check.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        OrganisationFactory(region_ars=ars)


def test_model_validation_refuses_a_malformed_region_key():
    organisation = OrganisationFactory.build(region_ars="1500")
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "region_ars" in error.value.message_dict


def test_region_key_may_be_empty_or_twelve_digits():
    OrganisationFactory(region_ars="")
    OrganisationFactory(region_ars="150830040040")
    assert Organisation.objects.filter(region_ars="150830040040").count() == 1


def test_only_one_cooperative():
    cooperative()
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(cooperative=True, name="Zweite eG")


def test_cooperative_must_have_kind_genossenschaft():
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(is_cooperative=True, kind=OrganisationKind.GEMEINDE)


def test_audit_records_are_append_only():
    organisation = OrganisationFactory()
    record = audit_record(tenant=organisation, actor=None, action="test", obj=organisation)
    record.action = "verändert"
    with pytest.raises(AuditRecordImmutableError):
        record.save()
    with pytest.raises(AuditRecordImmutableError):
        record.delete()
    with scope(tenant=organisation):
        with pytest.raises(AuditRecordImmutableError):
            AuditRecord.objects.filter(pk=record.pk).update(action="verändert")
        with pytest.raises(AuditRecordImmutableError):
            AuditRecord.objects.filter(pk=record.pk).delete()
        assert AuditRecord.objects.get(pk=record.pk).action == "test"


def test_organisation_with_audit_trail_cannot_be_deleted():
    organisation = OrganisationFactory()
    audit_record(tenant=organisation, actor=None, action="test", obj=organisation)
    with pytest.raises(IntegrityError), transaction.atomic():
        # Django raises ProtectedError (an IntegrityError) before touching the database.
        organisation.delete()


def test_deleting_the_actor_keeps_the_record():
    organisation, actor = OrganisationFactory(), UserFactory()
    record = audit_record(tenant=organisation, actor=actor, action="test", obj=organisation)
    actor.delete()
    with scopes_disabled():
        assert AuditRecord.objects.get(pk=record.pk).actor is None
