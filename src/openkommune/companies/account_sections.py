"""The account overview's "Unternehmenskonto" section: for whom the person acts (company and
person kept apart), registered with `accounts.sections`."""

from openkommune.accounts.sections import OverviewSection, register
from openkommune.companies.selectors import representative_of


def _company(request) -> OverviewSection | None:
    representative = representative_of(request.user)
    if representative is None:
        return None
    return OverviewSection(
        template_name="companies/account_section.html",
        context={"representative": representative, "company": representative.company},
    )


register("05-company", _company)
