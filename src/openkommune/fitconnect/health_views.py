"""The routing health page (fitconnect/health.py) for cooperative staff (every member) and
member administrators (their own organisation)."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from openkommune.accounts.access import logged_in_page
from openkommune.fitconnect import health
from openkommune.tenancy.constants import Role
from openkommune.tenancy.selectors import acts_for_cooperative, current_tenant, user_has_role

PER_PAGE = 50


@require_GET
@never_cache
@logged_in_page
def routing_health(request):
    if acts_for_cooperative(request.user):
        routes, tenant = health.check_all(), None
    else:
        tenant = current_tenant(request)
        if tenant is None or not user_has_role(request.user, tenant=tenant, role=Role.MEMBER_ADMIN):
            raise PermissionDenied(
                _("Diese Seite ist der Mitgliedsverwaltung und der Genossenschaft vorbehalten.")
            )
        routes = health.check_member(tenant)
    problems = [(route, finding) for route in routes for finding in route.problems]
    page = Paginator(problems, PER_PAGE).get_page(request.GET.get("seite"))
    return render(
        request,
        "fitconnect/routing_health.html",
        {
            "tenant": tenant,
            "page": page,
            "problems": page.object_list,
            "route_count": len(routes),
            "healthy_count": sum(1 for route in routes if route.ok),
            "warning_days": health.EXPIRY_WARNING_DAYS,
        },
    )


app_name = "fitconnect_health"
urlpatterns = [path("", routing_health, name="routing_health")]
