"""The demo: the six Leistungen with an online form can be applied for in Magdeburg, and
`load_demo` stays idempotent with them switched on."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from openkommune.catalog.selectors import ozg_leistung_get, responsible_authority
from openkommune.demo.services import DEMO_FORM_LEISTUNGEN
from openkommune.forms.selectors import form_for_leistung
from openkommune.regions.selectors import gemeinden_for_postcode
from openkommune.submissions.services import draft_start
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.submissions.factories import MAGDEBURG_POSTCODE, private_media  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

FORM_LEISTUNGEN = {"10160", "10173", "10110", "10112", "10348", "10294"}


def _load_demo():
    with override_settings(DEMO_MODE=True):
        call_command("load_demo", verbosity=0)


def test_every_form_leistung_is_online_in_magdeburg_after_load_demo():
    assert {ozg_id for ozg_id, _contact, _notes in DEMO_FORM_LEISTUNGEN} == FORM_LEISTUNGEN
    _load_demo()
    (magdeburg,) = gemeinden_for_postcode(postcode=MAGDEBURG_POSTCODE)
    for ozg_id in sorted(FORM_LEISTUNGEN):
        leistung = ozg_leistung_get(ozg_id=ozg_id)
        responsibility = responsible_authority(ozg_leistung=leistung, gemeinde=magdeburg)
        assert responsibility.online, ozg_id
        assert responsibility.organisation.is_demo
        assert responsibility.activation.contact_email == f"demo-{ozg_id}@example.org"
        version = form_for_leistung(ozg_leistung=leistung)
        assert version is not None, f"no published form for {ozg_id} (load_forms)"
        draft, token = draft_start(
            actor=None, form_version=version, ozg_leistung=leistung, gemeinde=magdeburg
        )
        assert draft.tenant == responsibility.organisation
        assert token


def test_load_demo_stays_idempotent_with_the_form_services():
    _load_demo()
    with scopes_disabled():
        before = AuditRecord.objects.count()
    _load_demo()
    with scopes_disabled():
        assert AuditRecord.objects.count() == before
