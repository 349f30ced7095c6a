"""The "Verwaltung" section of the account overview: links to the pages of member
administrators (people and roles, deadlines and notice templates, retention, API keys) and
of cooperative staff (anonymous statistics). Registered with `accounts.sections`, which
discovers this module."""

from openkommune.accounts.sections import OverviewSection, register
from openkommune.tenancy.constants import Role
from openkommune.tenancy.selectors import current_roles, user_is_cooperative_staff


def _administration(request) -> OverviewSection | None:
    is_admin = Role.MEMBER_ADMIN in current_roles(request)
    is_staff = user_is_cooperative_staff(request.user)
    if not (is_admin or is_staff):
        return None
    return OverviewSection(
        template_name="delivery/account_section.html",
        context={"is_admin": is_admin, "is_staff": is_staff},
    )


register("50-administration", _administration)
