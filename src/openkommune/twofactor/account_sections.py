"""The account overview's link to the second factor (staff only), `accounts.sections`."""

from openkommune.accounts.sections import OverviewSection, register
from openkommune.twofactor.selectors import needs_second_factor, recovery_codes_left


def _second_factor(request) -> OverviewSection | None:
    if not needs_second_factor(request.user):
        return None
    return OverviewSection(
        template_name="twofactor/account_section.html",
        context={"codes_left": recovery_codes_left(request.user)},
    )


register("60-second-factor", _second_factor)
