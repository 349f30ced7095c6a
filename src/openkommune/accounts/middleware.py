"""Idle timeout for back-office sessions: clerks, member administrators, cooperative staff
and admin users are logged out after OPENKOMMUNE_BACK_OFFICE_IDLE_MINUTES without a request.
Citizens keep their session until SESSION_COOKIE_AGE ends."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

LAST_ACTIVITY_SESSION_KEY = "openkommune.last_activity"
# The stored time is refreshed at most this often, so not every request writes the session.
_REFRESH_SECONDS = 60


def _is_back_office(request) -> bool:
    # `user_organisations` is set by TenantScopeMiddleware: any membership is a back-office role.
    user = request.user
    return user.is_staff or user.is_superuser or bool(getattr(request, "user_organisations", ()))


class BackOfficeIdleTimeoutMiddleware:
    """Must come after AuthenticationMiddleware, TenantScopeMiddleware and MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        idle_seconds = settings.BACK_OFFICE_IDLE_MINUTES * 60
        if idle_seconds > 0 and request.user.is_authenticated and _is_back_office(request):
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_SESSION_KEY)
            if last is not None and now - last > idle_seconds:
                return self._expired(request)
            if last is None or now - last >= _REFRESH_SECONDS:
                request.session[LAST_ACTIVITY_SESSION_KEY] = now
        return self.get_response(request)

    def _expired(self, request):
        path = request.get_full_path()
        logout(request)
        message = _(
            "Sie wurden nach %(minutes)d Minuten ohne Aktivität abgemeldet. Bitte melden Sie "
            "sich erneut an."
        ) % {"minutes": settings.BACK_OFFICE_IDLE_MINUTES}
        if path.startswith("/api/"):
            # API clients get the API's error shape instead of a redirect to a page.
            body = {"error": {"code": "not_authenticated", "message": message, "fields": {}}}
            return JsonResponse(body, status=401)
        messages.info(request, message)
        admin_index = reverse("admin:index")
        login_url = reverse("admin:login") if path.startswith(admin_index) else None
        return redirect_to_login(path, login_url)
