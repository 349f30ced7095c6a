"""The working groups' decisions on a framework contract's page (staff only see that page)."""

from __future__ import annotations

from openkommune.core.page_sections import PageSection, register
from openkommune.workinggroups import selectors


def _contract_decisions(request, contract) -> PageSection:
    decisions = list(selectors.decisions_for_contract(contract=contract))
    visible = {g.pk for g in selectors.group_list(user=request.user)}
    return PageSection(
        template_name="workinggroups/contract_section.html",
        context={"decisions": [d for d in decisions if d.group_id in visible]},
    )


register("procurement.contract", "40-workinggroup-decisions", _contract_decisions)
