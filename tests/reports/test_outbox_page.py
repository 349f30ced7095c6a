"""Issue 19, part 6: the cooperative's staff see the e-mails the platform could not send and
retry them on a page of their own (the Django admin refuses them)."""

import pytest
from django.urls import reverse

from openkommune.core.models import OutboxMail, OutboxStatus
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.procurement.factories import CallOffFactory

pytestmark = pytest.mark.django_db
PAGE = reverse("reports:outbox")


def _row(status, recipient="lieferant@example.org", **fields):
    from django.contrib.contenttypes.models import ContentType

    from openkommune.procurement.constants import ORDER_MAIL_KIND

    call_off = CallOffFactory()
    return OutboxMail.objects.create(
        tenant=call_off.tenant,
        kind=ORDER_MAIL_KIND,
        subject_type=ContentType.objects.get_for_model(call_off),
        subject_id=call_off.pk,
        recipient=recipient,
        status=status,
        attempts=5 if status == OutboxStatus.FAILED else 0,
        last_error="SMTP 550 mailbox unavailable" if status == OutboxStatus.FAILED else "",
        **fields,
    ), call_off


def test_staff_list_failed_and_addressless_mails_only_and_retry_one(client):
    staff = UserFactory(cooperative_staff=True)
    failed, call_off = _row(OutboxStatus.FAILED)
    _row(OutboxStatus.SENT)
    client.force_login(staff)
    page = client.get(PAGE).content.decode()
    assert call_off.reference in page
    assert "SMTP 550" in page
    assert "lieferant@example.org" not in page  # addresses are masked
    assert page.count("Erneut versuchen<span") == 1  # the sent one is not listed
    only_no_address = client.get(PAGE, {"status": OutboxStatus.NO_ADDRESS}).content.decode()
    assert 'id="postausgang-leer"' in only_no_address
    response = client.post(reverse("reports:outbox_retry", args=[failed.public_id]))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status in (OutboxStatus.PENDING, OutboxStatus.SENT, OutboxStatus.SENDING)
    with scopes_disabled():
        assert AuditRecord.objects.filter(action="order_mail.retry", actor=staff).exists()


def test_members_and_anonymous_visitors_do_not_see_the_outbox(client):
    assert client.get(PAGE).status_code == 302  # to the login
    failed, _call_off = _row(OutboxStatus.FAILED)
    client.force_login(UserFactory(member_admin=True))
    assert client.get(PAGE).status_code == 403
    assert client.post(reverse("reports:outbox_retry", args=[failed.public_id])).status_code == 403
    failed.refresh_from_db()
    assert failed.status == OutboxStatus.FAILED
