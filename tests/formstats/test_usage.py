"""Use statistics of the forms (ADR 0036): a saved step leaves an event without personal data,
the daily job counts starts, completions, time per step and the fields with errors and then
deletes the events; counts under 5 are suppressed everywhere; staff see all members, a member
only its own applications."""

import datetime

import pytest
from django.utils import timezone

from openkommune.formstats import selectors
from openkommune.formstats.constants import Metric
from openkommune.formstats.models import AggregatedDay, StepEvent, UsageCount
from openkommune.formstats.services import field_of, usage_aggregate, usage_aggregate_day
from openkommune.submissions.models import Application, Draft
from openkommune.submissions.services import application_submit
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.submissions.factories import (
    fill,
    magdeburg_member,
    make_offer,
    private_media,  # noqa: F401
    start,
    submissions_only,  # noqa: F401
)
from tests.tenancy.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media", "submissions_only")]


def _member_user(tenant, role="clerk"):
    user = UserFactory()
    MembershipFactory(tenant=tenant, user=user, role=role)
    return user


def _applications(offer, *, started: int, submitted: int, errors: int = 0):
    """`started` drafts of the test form, the first `submitted` of them submitted; `errors`
    of them first saved with an empty name (the field's error message)."""
    drafts = []
    for number in range(started):
        draft, _token = start(offer)
        if number < errors:
            fill(draft, name="")
        fill(draft)
        drafts.append(draft)
    for number, draft in enumerate(drafts[:submitted]):
        application_submit(draft=draft, idempotency_key=f"klick-{number}")
    return drafts


def _aggregate_today():
    """Count today as if the day were over (the job counts only days before today)."""
    return usage_aggregate_day(timezone.localdate())


def test_a_saved_step_leaves_an_event_without_personal_data():
    offer = make_offer()
    draft, _token = start(offer)
    fill(draft, name="")
    with scopes_disabled():
        event = StepEvent.objects.get()
    assert (event.tenant_id, event.form_key, event.step_id) == (
        offer.tenant.pk,
        "testantrag",
        "person",
    )
    assert event.error_fields == ["name"]
    assert event.day == timezone.localdate()
    stored = {f.name for f in StepEvent._meta.get_fields()}
    assert not stored & {"user", "draft", "application", "email", "data", "created_at"}


def test_entry_indexes_are_removed_from_field_paths():
    assert field_of("hunde.0.hund_name") == "hunde.hund_name"
    assert field_of("halter.anschrift.postcode") == "halter.anschrift.postcode"
    assert field_of("hunde.12.impfpass") == "hunde.impfpass"


def test_the_daily_count_takes_starts_completions_steps_and_errors_and_drops_the_events():
    offer = make_offer()
    _applications(offer, started=7, submitted=5, errors=6)
    assert _aggregate_today() > 0
    with scopes_disabled():
        assert StepEvent.objects.count() == 0
        counts = {
            (row.metric, row.step_id, row.field_path): (row.count, row.seconds_total)
            for row in UsageCount.objects.filter(tenant=offer.tenant)
        }
    assert counts[(Metric.START, "", "")][0] == 7
    assert counts[(Metric.COMPLETE, "", "")][0] == 5
    assert counts[(Metric.STEP, "person", "")][0] == 13  # 6 saves with an error, 7 without
    assert counts[(Metric.ERROR, "person", "name")][0] == 6
    # Idempotent: the day is counted once.
    assert _aggregate_today() == 0
    with scopes_disabled():
        assert UsageCount.objects.filter(metric=Metric.START, tenant=offer.tenant).get().count == 7
    # Drafts and applications are untouched (counted, never copied or deleted).
    with scopes_disabled():
        assert Draft.objects.filter(tenant=offer.tenant).count() == 7
        assert Application.objects.filter(tenant=offer.tenant).count() == 5


def test_the_job_counts_each_finished_day_once_and_catches_up():
    today = timezone.localdate()
    assert usage_aggregate(today=today).startswith("days=31")
    assert usage_aggregate(today=today) == "days=0 rows=0"
    assert usage_aggregate(today=today + datetime.timedelta(days=1)).startswith("days=1 ")
    assert AggregatedDay.objects.filter(day=today).exists()


def test_counts_under_five_are_suppressed_and_errors_below_five_not_named():
    offer = make_offer()
    _applications(offer, started=6, submitted=3, errors=4)
    _aggregate_today()
    since = timezone.localdate() - datetime.timedelta(days=1)
    (row,) = selectors.form_usage_across_members(since=since)
    assert row.starts.value == 6
    assert row.completions.suppressed
    assert row.completions.value is None
    assert row.completion_rate is None  # it would reveal the suppressed count
    detail = selectors.form_detail_across_members(form_key="testantrag", since=since)
    assert detail.steps[0].saves.value == 10
    assert detail.steps[0].average_seconds is not None
    assert detail.fields == []  # 4 errors: not named


def test_staff_see_all_members_a_member_only_its_own(client):
    magdeburg = make_offer()
    _applications(magdeburg, started=5, submitted=5, errors=5)
    _aggregate_today()
    other = magdeburg_member(name="Andere Stadt (Test)", short_name="Andere", region_ars="")
    today = timezone.localdate()
    with scopes_disabled():
        for metric, count in ((Metric.START, 8), (Metric.COMPLETE, 6)):
            UsageCount.objects.create(
                tenant=other, day=today, form_key="testantrag", version_number=1,
                metric=metric, count=count,
            )  # fmt: skip

    client.force_login(UserFactory(cooperative_staff=True))
    staff = client.get("/genossenschaft/formular-statistik/?tage=7")
    assert staff.status_code == 200
    (row,) = staff.context["rows"]
    assert (row.starts.value, row.completions.value) == (13, 11)
    detail = client.get("/genossenschaft/formular-statistik/testantrag/?tage=7")
    assert detail.context["detail"].fields[0].field_path == "name"
    assert "Vor- und Nachname" in detail.content.decode()

    client.force_login(_member_user(other))
    own = client.get("/behoerde/formular-statistik/?tage=7")
    assert own.status_code == 200
    (row,) = own.context["rows"]
    assert (row.starts.value, row.completions.value) == (8, 6)
    own_detail = client.get("/behoerde/formular-statistik/testantrag/").context["detail"]
    assert own_detail.fields == []  # Magdeburg's five errors are not Andere Stadt's
    assert own_detail.steps == []
    assert client.get("/genossenschaft/formular-statistik/").status_code == 403

    client.force_login(_member_user(magdeburg.tenant))
    (row,) = client.get("/behoerde/formular-statistik/?tage=7").context["rows"]
    assert (row.starts.value, row.completions.value) == (5, 5)


def test_suppressed_counts_read_as_less_than_five_on_the_page(client):
    offer = make_offer()
    _applications(offer, started=3, submitted=1)
    _aggregate_today()
    client.force_login(_member_user(offer.tenant, role="member_admin"))
    page = client.get("/behoerde/formular-statistik/").content.decode()
    assert "weniger als 5" in page
    assert ">3<" not in page
    assert ">1<" not in page


def test_pages_need_the_right_role(client):
    assert client.get("/genossenschaft/formular-statistik/").status_code == 302
    client.force_login(UserFactory())  # a citizen
    assert client.get("/behoerde/formular-statistik/").status_code == 404
    client.force_login(UserFactory(cooperative_staff=True))
    assert client.get("/genossenschaft/formular-statistik/gibtsnicht/").status_code == 404
    assert client.get("/genossenschaft/formular-statistik/?tage=abc").context["days"] == 30
