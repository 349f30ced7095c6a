"""Versions in the studio: edits of drafts only, review, four eyes, new drafts from
published versions, the publish gate; every change audited."""

import pytest
from django.core.exceptions import ValidationError

from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.services import (
    form_version_draft_from,
    form_version_publish,
    form_version_return_to_draft,
    form_version_submit_review,
)
from openkommune.studio import editing
from openkommune.studio.services import studio_apply, studio_edit, studio_publish
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.forms.helpers import field
from tests.studio.helpers import draft, gate_passed

pytestmark = pytest.mark.django_db

APPLICANT = {"name": "name", "email": "email"}


def _actions(version) -> list[str]:
    with scopes_disabled():
        return list(
            AuditRecord.objects.filter(object_id=str(version.pk), action__startswith="form_version")
            .order_by("pk")
            .values_list("action", flat=True)
        )


def _publishable(actor):
    return draft(actor, "studio_test", field("name", required=True), field("email", "email"),
                 applicant=APPLICANT)  # fmt: skip


def test_an_edit_saves_the_draft_records_the_editor_and_is_audited():
    anna = UserFactory(cooperative_staff=True)
    version = draft(anna)
    new = editing.add_item(version.definition, "eins", field("alter", "integer", min=0),
                           parent_is_step=True)  # fmt: skip
    studio_edit(actor=anna, version=version, definition=new, change="Feld alter angelegt")
    version.refresh_from_db()
    assert [i["id"] for i in version.definition["steps"][0]["items"]] == ["name", "alter"]
    assert version.edited_by == anna
    assert _actions(version) == ["form_version.create", "form_version.edit"]


def test_an_invalid_edit_names_the_problem_in_german_and_saves_nothing():
    anna = UserFactory(cooperative_staff=True)
    version = draft(anna)
    before = version.definition
    broken = editing.add_item(before, "eins", field("zahl", "integer", min=5, max=1),
                              parent_is_step=True)  # fmt: skip
    with pytest.raises(ValidationError) as error:
        studio_edit(actor=anna, version=version, definition=broken, change="x")
    assert "zahl" in " ".join(error.value.messages)
    version.refresh_from_db()
    assert version.definition == before
    assert _actions(version) == ["form_version.create"]


def test_an_edit_operation_that_cannot_be_made_is_a_validation_error():
    anna = UserFactory(cooperative_staff=True)
    version = draft(anna)
    with pytest.raises(ValidationError, match="ganz oben"):
        studio_apply(actor=anna, version=version, change="x",
                     operation=lambda d: editing.move(d, item_id="name", up=True))  # fmt: skip
    with pytest.raises(ValidationError, match="letzte Element"):
        studio_apply(actor=anna, version=version, change="x",
                     operation=lambda d: editing.delete(d, item_id="name"))  # fmt: skip


def test_four_eyes_the_last_editor_cannot_publish_someone_else_can():
    anna, ben = UserFactory(cooperative_staff=True), UserFactory(cooperative_staff=True)
    version = _publishable(anna)
    with pytest.raises(ValidationError, match="geprüft"):
        form_version_publish(actor=ben, version=version)  # a studio draft goes through review
    form_version_submit_review(actor=anna, version=version)
    gate_passed(ben, version)
    with pytest.raises(ValidationError, match="Vier-Augen"):
        studio_publish(actor=anna, version=version)
    studio_publish(actor=ben, version=version)
    version.refresh_from_db()
    assert version.status == FormVersionStatus.PUBLISHED
    assert version.published_by == ben
    assert _actions(version) == [
        "form_version.create", "form_version.submit_review", "form_version.publish",
    ]  # fmt: skip


def test_a_version_in_review_is_frozen_and_can_be_sent_back():
    anna = UserFactory(cooperative_staff=True)
    version = _publishable(anna)
    form_version_submit_review(actor=anna, version=version)
    with pytest.raises(ValidationError, match="Nur ein Entwurf"):
        studio_edit(actor=anna, version=version, definition=version.definition, change="x")
    with pytest.raises(ValidationError, match="in Prüfung"):
        form_version_draft_from(actor=anna, version=version)
    form_version_return_to_draft(actor=anna, version=version)
    version.refresh_from_db()
    assert version.status == FormVersionStatus.DRAFT


def test_editing_a_published_form_creates_a_new_draft_and_leaves_the_version():
    anna, ben = UserFactory(cooperative_staff=True), UserFactory(cooperative_staff=True)
    version = _publishable(anna)
    form_version_submit_review(actor=anna, version=version)
    gate_passed(ben, version)
    studio_publish(actor=ben, version=version)
    new = form_version_draft_from(actor=ben, version=version)
    assert (new.number, new.status, new.edited_by) == (2, FormVersionStatus.DRAFT, ben)
    assert form_version_draft_from(actor=anna, version=version) == new  # one draft at a time
    changed = editing.delete(
        editing.add_item(new.definition, "eins", field("neu"), parent_is_step=True),
        item_id="neu",
    )
    changed["title"] = "Anders"
    studio_edit(actor=ben, version=new, definition=changed, change="Titel")
    version.refresh_from_db()
    assert version.definition["title"] == "Testformular"


def test_the_gate_blocks_publishing_with_a_german_explanation():
    anna, ben = UserFactory(cooperative_staff=True), UserFactory(cooperative_staff=True)
    version = draft(anna)  # no applicant marked
    form_version_submit_review(actor=anna, version=version)
    with pytest.raises(ValidationError) as error:
        studio_publish(actor=ben, version=version)
    assert "Antragstellerin ist nicht markiert" in " ".join(error.value.messages)
    version.refresh_from_db()
    assert version.status == FormVersionStatus.IN_REVIEW


def test_only_cooperative_staff_edit():
    anna = UserFactory(cooperative_staff=True)
    version = draft(anna)
    with pytest.raises(Exception, match="Genossenschaft"):
        studio_edit(actor=UserFactory(), version=version, definition=version.definition, change="x")


def test_drafts_and_versions_in_review_are_not_served_by_the_api(client):
    anna = UserFactory(cooperative_staff=True)
    version = _publishable(anna)
    url = f"/api/v1/forms/studio_test/versions/{version.number}"
    assert client.get(url).status_code == 404
    form_version_submit_review(actor=anna, version=version)
    assert client.get(url).status_code == 404
    gate_passed(anna, version)
    studio_publish(actor=UserFactory(cooperative_staff=True), version=version)
    assert client.get(url).status_code == 200


def test_the_database_refuses_a_version_in_review_with_a_publication_date():
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from openkommune.forms.models import FormVersion

    version = draft(UserFactory(cooperative_staff=True))
    with pytest.raises(IntegrityError), transaction.atomic():
        FormVersion.objects.filter(pk=version.pk).update(
            status=FormVersionStatus.IN_REVIEW, published_at=timezone.now()
        )
