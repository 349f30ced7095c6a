"""Set-up for cases tests: a submitted application of the test form (Hundehaltung in
Magdeburg, see tests/submissions/factories.py) with its case, and clerks of its tenant.

Use with the `private_media` fixture (receipts and documents are stored files):
`from tests.cases.factories import private_media  # noqa: F401` and
`pytestmark = pytest.mark.usefixtures("private_media")`.
"""

from __future__ import annotations

import uuid

from openkommune.cases.models import Case
from openkommune.cases.services import case_open_for_application
from openkommune.submissions.services import application_submit
from openkommune.tenancy.constants import Role
from tests.accounts.factories import UserFactory
from tests.submissions.factories import (  # noqa: F401  (re-exported fixture)
    Offer,
    fill,
    make_offer,
    private_media,
    start,
)
from tests.tenancy.factories import MembershipFactory, OrganisationFactory


def submitted_application(offer: Offer | None = None, *, name: str = "Erika Mustermann", **kw):
    """An application submitted through the submissions services (the submit hook opens
    its case when it is wired)."""
    offer = offer or make_offer()
    draft, _token = start(offer, **kw)
    fill(draft, name)
    return application_submit(draft=draft, idempotency_key=uuid.uuid4().hex)


def open_case(offer: Offer | None = None, *, name: str = "Erika Mustermann", **kw) -> Case:
    """A submitted application's case (opened by the hook, or here: the service is
    idempotent)."""
    return case_open_for_application(submitted_application(offer, name=name, **kw))


def clerk_of(tenant, *, role: str = Role.CLERK, **user_values):
    """A user with a membership of `role` in `tenant`."""
    user = UserFactory(**user_values)
    MembershipFactory(tenant=tenant, user=user, role=role)
    return user


def other_tenant(**values):
    return OrganisationFactory(**({"name": "Andere Stadt (Test)", "is_demo": False} | values))
