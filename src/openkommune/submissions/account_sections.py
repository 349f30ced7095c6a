"""The "Meine Anträge" section of the account overview (registered with
`accounts.sections`, which the accounts app discovers: it cannot import this app): the
drafts and the submitted applications, newest first, in pages."""

from django.core.paginator import Paginator

from openkommune.accounts.sections import OverviewSection, register
from openkommune.submissions import selectors

PAGE_SIZE = 10
DRAFTS_PAGE = "entwuerfe_seite"
APPLICATIONS_PAGE = "antraege_seite"


def _my_applications(request) -> OverviewSection:
    user = request.user
    drafts = Paginator(selectors.drafts_for_user(user=user), PAGE_SIZE)
    applications = Paginator(selectors.applications_for_user(user=user), PAGE_SIZE)
    return OverviewSection(
        template_name="submissions/account_section.html",
        context={
            "drafts": drafts.get_page(request.GET.get(DRAFTS_PAGE)),
            "applications": applications.get_page(request.GET.get(APPLICATIONS_PAGE)),
            "drafts_param": DRAFTS_PAGE,
            "applications_param": APPLICATIONS_PAGE,
        },
    )


register("10-submissions", _my_applications)
