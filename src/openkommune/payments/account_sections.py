"""The "Offene Gebühren" section of the account overview: the fee notices of the user's
applications that are still to be paid, each with its pay link (registered with
`accounts.sections`, which discovers this module). Left out when nothing is open."""

from openkommune.accounts.sections import OverviewSection, register
from openkommune.payments import fees, selectors


def _open_fees(request) -> OverviewSection | None:
    notices = selectors.open_fee_notices_for_user(request.user)
    if not notices:
        return None
    return OverviewSection(
        template_name="payments/account_section.html",
        context={
            "open_fee_notices": [
                {"notice": notice, "amount_text": fees.euro(notice.amount)} for notice in notices
            ]
        },
    )


register("15-open-fees", _open_fees)
