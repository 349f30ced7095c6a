"""Staff reach nothing but the second-factor pages until they completed it in this session
(ADR 0020). Must come after AuthenticationMiddleware, TenantScopeMiddleware (which lists the
user's organisations) and MessageMiddleware. API keys are unaffected: they carry no session."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from openkommune.twofactor.constants import OPEN_PATH_PREFIXES
from openkommune.twofactor.selectors import second_factor_done


def _needs_second_factor(request) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    # `user_organisations` (TenantScopeMiddleware): any membership is a back-office role.
    return user.is_staff or user.is_superuser or bool(getattr(request, "user_organisations", ()))


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            _needs_second_factor(request)
            and not request.path.startswith(OPEN_PATH_PREFIXES)
            and not second_factor_done(request)
        ):
            return self._required(request)
        return self.get_response(request)

    def _required(self, request):
        if request.path.startswith("/api/"):
            message = _("Bitte bestätigen Sie zuerst Ihre Anmeldung mit dem zweiten Faktor.")
            body = {"error": {"code": "second_factor_required", "message": message, "fields": {}}}
            return JsonResponse(body, status=401)
        target = reverse("twofactor:challenge")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
