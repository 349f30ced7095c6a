"""A small market and a bundling round for the round, page and API tests.

Two suppliers offer a notebook under one framework contract open to all members (tier
prices 800 / 750 from 10 / 700 from 50); a third supplier offers it cheaper under a contract
that names only the first member. Three member organisations, each with a clerk.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from openkommune.bundling import services
from openkommune.bundling.models import BundlingRound, RoundItem
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import Organisation
from tests.accounts.factories import UserFactory
from tests.digitalpakt import factories
from tests.members.factories import register
from tests.tenancy.factories import MembershipFactory, OrganisationFactory


@dataclass
class Market:
    members: list[Organisation]
    clerks: list
    staff: object
    round: BundlingRound
    notebook: RoundItem
    articles: dict


def member_with_clerk(name: str, kind: str = "gemeinde"):
    organisation = register(OrganisationFactory(name=name, kind=kind))
    clerk = UserFactory()
    MembershipFactory(tenant=organisation, user=clerk, role=Role.CLERK)
    return organisation, clerk


def build_market(
    *, prefill_days: int | None = None, capacities: dict[str, int] | None = None
) -> Market:
    """`capacities`: round-level capacity per offer ("alpha", "beta", "gamma"); none by
    default."""
    staff = UserFactory(cooperative_staff=True)
    pairs = [
        member_with_clerk("Gemeinde Aland (Test)"),
        member_with_clerk("Stadt Bebra (Test)", "stadt"),
        member_with_clerk("Landkreis Cedern (Test)", "landkreis"),
    ]
    members = [p[0] for p in pairs]
    alpha = factories.supplier("Alpha IT GmbH (Test)")
    beta = factories.supplier("Beta Systeme AG (Test)")
    gamma = factories.supplier("Gamma Handel KG (Test)")
    open_contract = factories.contract(number="RV-T-001", suppliers=[alpha, beta])
    named_contract = factories.contract(
        number="RV-T-002", suppliers=[gamma], callers_all_members=False, named_callers=[members[0]]
    )
    articles = {
        "alpha": factories.article(
            contract=open_contract, supplier=alpha, article_number="A-NB14",
            tiers=((0, "800.00"), (10, "750.00"), (50, "700.00")),
        ),
        "beta": factories.article(
            contract=open_contract, supplier=beta, article_number="B-NB14",
            tiers=((0, "790.00"), (20, "760.00")),
        ),
        "gamma": factories.article(
            contract=named_contract, supplier=gamma, article_number="G-NB14",
            tiers=((0, "650.00"),),
        ),
    }  # fmt: skip
    today = timezone.localdate()
    bundling_round = services.round_create(
        actor=staff,
        title="Notebooks 2026 (Test)",
        deadline=timezone.now() + datetime.timedelta(days=14),
        prefill_from=today - datetime.timedelta(days=prefill_days) if prefill_days else None,
        prefill_until=today if prefill_days else None,
    )
    notebook = services.round_item_add(
        actor=staff, bundling_round=bundling_round, title="Notebook 14 Zoll"
    )
    for key in ("alpha", "beta", "gamma"):
        services.round_offer_add(
            actor=staff,
            item=notebook,
            catalog_item=articles[key],
            capacity=(capacities or {}).get(key),
        )
    return Market(
        members=members,
        clerks=[p[1] for p in pairs],
        staff=staff,
        round=bundling_round,
        notebook=notebook,
        articles=articles,
    )
