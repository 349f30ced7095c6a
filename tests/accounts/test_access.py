"""The one access module: `login_or_redirect` (accounts.access) and the one
cooperative-staff check (tenancy.selectors)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from openkommune.accounts.access import LoginRequired, cooperative_staff_page, login_or_redirect
from openkommune.tenancy.selectors import acts_for_cooperative, require_cooperative_staff
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_or_redirect_turns_login_required_into_the_login_page():
    @login_or_redirect
    def view(request):
        if not request.user.is_authenticated:
            raise LoginRequired
        return HttpResponse("ok")

    request = RequestFactory().get("/beschaffung/?seite=2")
    request.user = AnonymousUser()
    response = view(request)
    assert response.status_code == 302
    assert response["Location"] == "/konto/anmelden/?next=/beschaffung/%3Fseite%3D2"
    assert view.__name__ == "view"


@pytest.mark.parametrize(
    ("make_actor", "allowed"),
    [
        (lambda: None, True),  # the system
        (lambda: UserFactory(is_superuser=True), True),
        (lambda: UserFactory(cooperative_staff=True), True),
        (lambda: UserFactory(member_admin=True), False),
        (lambda: UserFactory(clerk=True), False),
        (lambda: UserFactory(), False),
        (AnonymousUser, False),
    ],
)
def test_acts_for_cooperative(make_actor, allowed):
    actor = make_actor()
    assert acts_for_cooperative(actor) is allowed
    if allowed:
        require_cooperative_staff(actor)
    else:
        with pytest.raises(PermissionDenied, match="Nur Beschäftigte der Genossenschaft"):
            require_cooperative_staff(actor)


@pytest.mark.parametrize(
    ("make_user", "expected"),
    [
        (AnonymousUser, 302),
        (lambda: UserFactory(), 403),
        (lambda: UserFactory(member_admin=True), 403),
        (lambda: UserFactory(cooperative_staff=True), 200),
        (lambda: UserFactory(is_superuser=True), 200),
    ],
)
def test_cooperative_staff_page(make_user, expected):
    view = cooperative_staff_page(lambda request: HttpResponse("ok"))
    request = RequestFactory().get("/statistik/")
    request.user = make_user()
    if expected == 403:
        with pytest.raises(PermissionDenied, match="der Genossenschaft vorbehalten"):
            view(request)
    else:
        assert view(request).status_code == expected
