"""Versions of forms: create (idempotent), publish (immutable afterwards), retire; who may;
the audit trail; the selectors."""

import copy

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from openkommune.catalog.models import LeikaAssignment
from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.engine import DefinitionError, data_json_schema, parse_definition
from openkommune.forms.models import FormDefinition, FormVersion
from openkommune.forms.selectors import (
    form_current_version,
    form_for_leistung,
    form_list,
    form_version_get,
    version_definition,
)
from openkommune.forms.services import (
    form_version_create,
    form_version_publish,
    form_version_retire,
)
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.forms.factories import FormVersionFactory
from tests.forms.helpers import field, raw_form

pytestmark = pytest.mark.django_db
KEY = "dienst_test"


def definition(*items, **kwargs) -> dict:
    return raw_form(*(items or [field("name", required=True)]), key=KEY, **kwargs)


class AuditLog:
    """This test's audit records of forms (the session setup loaded and audited
    forms/definitions/ already)."""

    def __init__(self):
        with scopes_disabled():
            self.baseline = AuditRecord.objects.order_by("-id").values_list("id", flat=True).first()

    def records(self):
        return AuditRecord.objects.filter(
            id__gt=self.baseline or 0, object_type__startswith="forms."
        ).order_by("id")

    def actions(self) -> list[str]:
        with scopes_disabled():
            return list(self.records().values_list("action", flat=True))


@pytest.fixture
def audit() -> AuditLog:
    return AuditLog()


def test_create_makes_the_form_and_a_first_draft(audit):
    version = form_version_create(actor=None, definition=definition(), import_report=["Hinweis"])
    assert (version.number, version.status) == (1, FormVersionStatus.DRAFT)
    assert version.import_report == ["Hinweis"]
    assert version.data_schema is None
    form = version.form
    assert (form.key, form.title, form.leika_keys) == (KEY, "Testformular", ["99000000000000"])
    assert audit.actions() == ["form.create", "form_version.create"]
    with scopes_disabled():
        assert audit.records().get(object_type="forms.formversion").tenant is None


def test_create_is_idempotent_for_the_newest_definition(audit):
    first = form_version_create(actor=None, definition=definition())
    again = form_version_create(actor=None, definition=copy.deepcopy(definition()))
    assert again.pk == first.pk
    assert FormVersion.objects.filter(form__key=KEY).count() == 1
    assert audit.actions() == ["form.create", "form_version.create"]


def test_a_changed_definition_is_a_new_version():
    form_version_create(actor=None, definition=definition())
    second = form_version_create(actor=None, definition=definition(field("name"), field("ort")))
    assert second.number == 2
    # Going back to the first text is again a change against the newest version.
    third = form_version_create(actor=None, definition=definition())
    assert third.number == 3


def test_an_invalid_definition_creates_nothing(audit):
    with pytest.raises(DefinitionError):
        form_version_create(actor=None, definition=definition(field("c", "choice")))
    assert not FormDefinition.objects.filter(key=KEY).exists()
    assert audit.actions() == []


def test_publish_computes_the_data_schema_and_records_who(audit):
    staff = UserFactory(cooperative_staff=True)
    draft = form_version_create(actor=staff, definition=definition())
    version = form_version_publish(actor=staff, version=draft)
    version.refresh_from_db()
    assert version.status == FormVersionStatus.PUBLISHED
    assert version.data_schema == data_json_schema(parse_definition(version.definition))
    assert version.published_by == staff
    assert version.published_at is not None
    with scopes_disabled():
        record = audit.records().get(action="form_version.publish")
    assert (record.actor, record.before["status"], record.after["status"]) == (
        staff, "draft", "published",
    )  # fmt: skip


def test_publish_updates_the_forms_title():
    form_version_publish(
        actor=None, version=form_version_create(actor=None, definition=definition())
    )
    renamed = definition()
    renamed["title"] = "Neuer Titel"
    form_version_publish(actor=None, version=form_version_create(actor=None, definition=renamed))
    assert FormDefinition.objects.get(key=KEY).title == "Neuer Titel"


def test_published_version_is_never_changed_again():
    published = form_version_publish(
        actor=None, version=form_version_create(actor=None, definition=definition())
    )
    changed = definition(field("name"), field("ort"))
    newer = form_version_create(actor=None, definition=changed)
    published.refresh_from_db()
    assert published.definition == definition()
    assert newer.number == 2
    with pytest.raises(ValidationError, match="Nur ein Entwurf kann veröffentlicht werden"):
        form_version_publish(actor=None, version=published)


def test_retire_only_published_versions(audit):
    draft = form_version_create(actor=None, definition=definition())
    with pytest.raises(ValidationError, match="Nur eine veröffentlichte Version"):
        form_version_retire(actor=None, version=draft)
    published = form_version_publish(actor=None, version=draft)
    retired = form_version_retire(actor=None, version=published)
    assert retired.status == FormVersionStatus.RETIRED
    assert retired.retired_at is not None
    with pytest.raises(ValidationError):
        form_version_publish(actor=None, version=retired)
    assert audit.actions()[-1] == "form_version.retire"


@pytest.mark.parametrize("trait", [{"clerk": True}, {"member_admin": True}])
def test_only_the_cooperative_may_change_forms(trait):
    person = UserFactory(**trait)
    with pytest.raises(PermissionDenied):
        form_version_create(actor=person, definition=definition())
    draft = FormVersionFactory()
    with pytest.raises(PermissionDenied):
        form_version_publish(actor=person, version=draft)


def test_database_refuses_inconsistent_versions():
    version = FormVersionFactory()
    for changes in ({"status": "bogus"}, {"status": FormVersionStatus.PUBLISHED}, {"number": 0}):
        with pytest.raises(IntegrityError), transaction.atomic():
            FormVersion.objects.filter(pk=version.pk).update(**changes)
    with pytest.raises(IntegrityError), transaction.atomic():
        FormVersionFactory(form=version.form, number=version.number)


# --- selectors ------------------------------------------------------------------------------


def test_current_version_is_the_newest_published():
    v1 = FormVersionFactory(number=1, published=True)
    v2 = FormVersionFactory(form=v1.form, number=2, published=True)
    FormVersionFactory(form=v1.form, number=3)  # a draft
    assert form_current_version(key=v1.form.key) == v2
    assert form_current_version(key="gibt_es_nicht") is None
    assert form_version_get(key=v1.form.key, number=3).status == FormVersionStatus.DRAFT
    with pytest.raises(FormVersion.DoesNotExist):
        form_version_get(key=v1.form.key, number=3, published_only=True)


def test_form_list_shows_published_forms_with_their_current_number():
    v1 = FormVersionFactory(number=1, published=True)
    FormVersionFactory(form=v1.form, number=2)
    draft_only = FormVersionFactory(number=1)
    forms = {form.key: form for form in form_list()}
    assert forms[v1.form.key].current_number == 1
    assert forms[v1.form.key].newest_number == 2
    assert draft_only.form.key not in forms
    assert draft_only.form.key in {form.key for form in form_list(published_only=False)}


def _unused_leika_assignment() -> LeikaAssignment:
    """An assignment whose Leistung no form (e.g. of forms/definitions/) already serves."""
    used = {
        key for version in FormVersion.objects.all() for key in version.definition["leika_keys"]
    }
    assignments = (
        LeikaAssignment.objects.filter(is_current=True, ozg_leistung__isnull=False)
        .exclude(leika_key="")
        .order_by("ozg_leistung_id", "leika_key")
        .values_list("ozg_leistung_id", "leika_key")
    )
    keys_by_leistung: dict[int, set[str]] = {}
    for leistung_id, key in assignments:
        keys_by_leistung.setdefault(leistung_id, set()).add(key)
    leistung_id = next(lid for lid, keys in keys_by_leistung.items() if not keys & used)
    return (
        LeikaAssignment.objects.filter(is_current=True, ozg_leistung_id=leistung_id)
        .exclude(leika_key="")
        .select_related("ozg_leistung")
        .first()
    )


def test_form_for_leistung_matches_current_leika_keys():
    assignment = _unused_leika_assignment()
    leistung = assignment.ozg_leistung
    assert form_for_leistung(ozg_leistung=leistung) is None
    raw = definition()
    raw["leika_keys"] = [assignment.leika_key]
    draft = form_version_create(actor=None, definition=raw)
    assert form_for_leistung(ozg_leistung=leistung) is None  # drafts are not offered
    version = form_version_publish(actor=None, version=draft)
    assert form_for_leistung(ozg_leistung=leistung) == version
    form_version_retire(actor=None, version=version)
    assert form_for_leistung(ozg_leistung=leistung) is None


def test_version_definition_is_parsed_and_cached():
    version = FormVersionFactory(published=True)
    parsed = version_definition(version)
    assert parsed.key == version.form.key
    assert version_definition(FormVersion.objects.get(pk=version.pk)) is parsed
