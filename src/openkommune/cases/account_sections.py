"""The "Bescheide und Nachrichten" section of the account overview: every notice and message
the authorities sent about the user's applications, newest first, in pages (registered with
`accounts.sections`, which discovers this module)."""

from django.core.paginator import Paginator

from openkommune.accounts.sections import OverviewSection, register
from openkommune.cases.constants import MessageDirection
from openkommune.cases.selectors import mailbox

PAGE_SIZE = 10
NOTICES_PAGE = "bescheide_seite"
MESSAGES_PAGE = "nachrichten_seite"


def _mailbox(request) -> OverviewSection:
    box = mailbox.applicant_mailbox_for_user(user=request.user)
    return OverviewSection(
        template_name="cases/account_section.html",
        context={
            "notices": Paginator(box.notices, PAGE_SIZE).get_page(request.GET.get(NOTICES_PAGE)),
            "messages": Paginator(box.messages, PAGE_SIZE).get_page(request.GET.get(MESSAGES_PAGE)),
            "notices_param": NOTICES_PAGE,
            "messages_param": MESSAGES_PAGE,
            "to_applicant": MessageDirection.TO_APPLICANT,
        },
    )


register("20-mailbox", _mailbox)
