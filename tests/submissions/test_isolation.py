"""Who sees what: the back office only its own tenant's rows; an applicant only their own
drafts, applications and files (by user or by token); everyone else the same answer as for
something that does not exist."""

import pytest

from openkommune.submissions.models import (
    Application,
    ApplicationEvent,
    Attachment,
    Draft,
)
from openkommune.submissions.selectors import (
    application_attachments,
    application_get_for_applicant,
    applications_for_user,
    attachment_get_for_application,
    attachment_get_for_draft,
    draft_attachments,
    draft_get_by_token,
    draft_get_for_user,
    drafts_for_user,
)
from openkommune.submissions.services import (
    application_status_token,
    application_submit,
    draft_attach_file,
    draft_remove_file,
)
from openkommune.tenancy.constants import OrganisationKind
from openkommune.tenancy.scoping import ScopeError, scope
from tests.accounts.factories import UserFactory
from tests.submissions.factories import (
    PDF_BYTES,
    fill,
    make_offer,
    private_media,  # noqa: F401
    start,
    submissions_only,  # noqa: F401
    upload,
)
from tests.tenancy.factories import OrganisationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "submissions_only")]


@pytest.fixture
def offer():
    return make_offer()


def _submitted(offer, user=None):
    draft, token = start(offer, user=user)
    fill(draft)
    draft_attach_file(draft=draft, path="nachweis", uploaded_file=upload("n.pdf", PDF_BYTES))
    draft.refresh_from_db()
    return application_submit(draft=draft, idempotency_key="k"), draft, token


def test_back_office_sees_only_its_own_tenant(offer):
    application, _draft, _ = _submitted(offer)
    other = OrganisationFactory(kind=OrganisationKind.LANDKREIS)
    models = (Application, ApplicationEvent, Attachment, Draft)
    with scope(tenant=other):
        for model in models:
            assert not model.objects.exists(), model
    with scope(tenant=offer.tenant):
        assert Application.objects.get() == application
        assert ApplicationEvent.objects.filter(application=application).count() == 2
        assert Attachment.objects.get().application == application
    with scope():
        assert not Application.objects.exists()  # citizens' requests: the empty scope
    with pytest.raises(ScopeError):
        Application.objects.count()


def test_a_users_draft_is_not_reachable_by_another_user_or_anonymously(offer):
    owner, stranger = UserFactory(), UserFactory()
    draft, _ = start(offer, user=owner)
    assert draft_get_for_user(user=owner, public_id=draft.public_id) == draft
    with pytest.raises(Draft.DoesNotExist):
        draft_get_for_user(user=stranger, public_id=draft.public_id)
    with pytest.raises(Draft.DoesNotExist):
        draft_get_for_user(user=None, public_id=draft.public_id)
    # A user's draft has no token; no token (or a guessed one) opens it.
    with pytest.raises(Draft.DoesNotExist):
        draft_get_by_token(public_id=draft.public_id, token="")
    assert list(drafts_for_user(user=owner)) == [draft]
    assert list(drafts_for_user(user=stranger)) == []


def test_an_anonymous_draft_opens_only_with_its_own_token(offer):
    mine, my_token = start(offer)
    theirs, their_token = start(offer)
    assert draft_get_by_token(public_id=mine.public_id, token=my_token) == mine
    with pytest.raises(Draft.DoesNotExist):
        draft_get_by_token(public_id=mine.public_id, token=their_token)
    with pytest.raises(Draft.DoesNotExist):
        draft_get_for_user(user=UserFactory(), public_id=mine.public_id)
    assert draft_get_by_token(public_id=theirs.public_id, token=their_token) == theirs


def test_files_are_reachable_only_through_their_own_draft(offer):
    mine, _ = start(offer)
    theirs, _ = start(offer)
    file = draft_attach_file(draft=mine, path="nachweis", uploaded_file=upload("n.pdf", PDF_BYTES))
    assert attachment_get_for_draft(draft=mine, public_id=file.public_id) == file
    with pytest.raises(Attachment.DoesNotExist):
        attachment_get_for_draft(draft=theirs, public_id=file.public_id)
    assert draft_attachments(draft=theirs) == []
    with pytest.raises(Attachment.DoesNotExist):
        draft_remove_file(draft=theirs, attachment=file)
    assert Attachment.applicant_objects.filter(pk=file.pk).exists()


def test_an_application_is_only_for_its_applicant(offer):
    owner, stranger = UserFactory(), UserFactory()
    mine, _, _ = _submitted(offer, user=owner)
    anonymous, _, _ = _submitted(offer)
    token = application_status_token(anonymous)

    assert application_get_for_applicant(reference=mine.reference, user=owner) == mine
    assert application_get_for_applicant(reference=anonymous.reference, token=token) == anonymous
    for kwargs in (
        {"reference": mine.reference, "user": stranger},
        {"reference": mine.reference, "token": token},  # another application's token
        {"reference": anonymous.reference, "user": owner},
        {"reference": anonymous.reference, "token": token[:-2]},
        {"reference": anonymous.reference},
    ):
        with pytest.raises(Application.DoesNotExist):
            application_get_for_applicant(**kwargs)
    assert list(applications_for_user(user=owner)) == [mine]
    assert list(applications_for_user(user=stranger)) == []


def test_attachments_of_an_application_are_not_downloadable_by_others(offer):
    first, _, _ = _submitted(offer)
    second, _, _ = _submitted(offer)
    [attachment] = application_attachments(application=first)
    assert attachment_get_for_application(application=first, public_id=attachment.public_id)
    with pytest.raises(Attachment.DoesNotExist):
        attachment_get_for_application(application=second, public_id=attachment.public_id)
    with pytest.raises(Attachment.DoesNotExist):
        attachment_get_for_application(application=second, public_id="kein-uuid")
