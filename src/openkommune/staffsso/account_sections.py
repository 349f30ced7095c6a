"""The account overview's link to the staff login settings, for member administrators."""

from openkommune.accounts.sections import OverviewSection, register
from openkommune.tenancy.constants import Role
from openkommune.tenancy.selectors import current_tenant, user_has_role


def _settings_link(request) -> OverviewSection | None:
    tenant = current_tenant(request) if request.user.is_authenticated else None
    if tenant is None or tenant.is_cooperative:
        return None
    if not user_has_role(request.user, tenant=tenant, role=Role.MEMBER_ADMIN):
        return None
    return OverviewSection(template_name="staffsso/account_section.html", context={})


register("40-staff-login", _settings_link)
