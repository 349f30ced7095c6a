"""The "Meine Anträge" section of the account overview (registered with
`accounts.sections`, which the accounts app discovers: it cannot import this app)."""

from openkommune.accounts.sections import OverviewSection, register
from openkommune.submissions import selectors

# Enough for the overview; older entries are rare for one person and stay reachable by
# their links in the e-mails.
LIMIT = 50


def _my_applications(request) -> OverviewSection:
    user = request.user
    drafts = list(selectors.drafts_for_user(user=user)[:LIMIT])
    applications = list(selectors.applications_for_user(user=user)[:LIMIT])
    return OverviewSection(
        template_name="submissions/account_section.html",
        context={"drafts": drafts, "applications": applications},
    )


register("10-submissions", _my_applications)
