import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory

from openkommune.tenancy.constants import ACTIVE_ORGANISATION_SESSION_KEY, Role
from openkommune.tenancy.middleware import TenantScopeMiddleware
from openkommune.tenancy.models import Membership
from openkommune.tenancy.scoping import active_tenant_ids
from openkommune.tenancy.selectors import current_tenant
from tests.accounts.factories import UserFactory
from tests.tenancy.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def seen_by_view(user, session_value=None, query=""):
    """Runs the middleware around a tiny view that records what it sees."""
    seen = {}

    def view(request):
        seen["tenant"] = current_tenant(request)
        seen["scope"] = active_tenant_ids()
        seen["memberships"] = list(Membership.objects.all())
        return HttpResponse("ok")

    request = RequestFactory().get(f"/{query}")
    request.user = user
    request.session = SessionStore()
    if session_value is not None:
        request.session[ACTIVE_ORGANISATION_SESSION_KEY] = session_value
    TenantScopeMiddleware(view)(request)
    return seen


def test_clerk_gets_the_scope_of_their_organisation():
    mine = MembershipFactory(role=Role.CLERK)
    MembershipFactory()  # another tenant's row
    seen = seen_by_view(mine.user)
    assert seen["tenant"] == mine.tenant
    assert seen["scope"] == frozenset({mine.tenant.pk})
    assert seen["memberships"] == [mine]


def test_anonymous_user_gets_an_empty_scope():
    MembershipFactory()
    seen = seen_by_view(AnonymousUser())
    assert seen["tenant"] is None
    assert seen["scope"] == frozenset()
    assert seen["memberships"] == []


def test_citizen_gets_an_empty_scope():
    MembershipFactory()
    seen = seen_by_view(UserFactory())
    assert (seen["tenant"], seen["memberships"]) == (None, [])


def test_active_organisation_from_session_only_if_member():
    first = MembershipFactory(tenant=OrganisationFactory(name="A-Stadt"))
    second = MembershipFactory(tenant=OrganisationFactory(name="B-Dorf"), user=first.user)
    foreign = OrganisationFactory(name="C-Fremd")
    assert seen_by_view(first.user)["tenant"] == first.tenant  # first by name
    chosen = seen_by_view(first.user, str(second.tenant.public_id))
    assert chosen["tenant"] == second.tenant
    # A foreign organisation in the session (or anything else) falls back to the first.
    assert seen_by_view(first.user, str(foreign.public_id))["tenant"] == first.tenant


def test_query_string_cannot_choose_the_tenant():
    mine = MembershipFactory()
    foreign = OrganisationFactory()
    query = f"?tenant={foreign.public_id}&organisation={foreign.public_id}"
    assert seen_by_view(mine.user, query=query)["tenant"] == mine.tenant


def test_scope_ends_with_the_request():
    from openkommune.tenancy.scoping import ScopeError

    seen_by_view(AnonymousUser())
    with pytest.raises(ScopeError):
        Membership.objects.all()
