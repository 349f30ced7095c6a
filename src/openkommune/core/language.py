"""The interface language of a request (ADR 0015, docs/translation.md).

Pages follow Django's LocaleMiddleware: the language chosen with the header's switch (the
`django_language` cookie set by `set_language`), else the browser's Accept-Language,
else German. The API stays German whatever a client sends: its messages are part of a
contract that Fachverfahren and portals parse and show as they are
(docs/fachverfahren-api.md), and an English variant would be a second contract."""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation

API_PREFIX = "/api/"


class LocaleMiddleware(DjangoLocaleMiddleware):
    def process_request(self, request):
        if request.path.startswith(API_PREFIX):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = translation.get_language()
            return
        super().process_request(request)

    def process_response(self, request, response):
        if request.path.startswith(API_PREFIX):
            return response  # one language: no Content-Language, no Vary on Accept-Language
        return super().process_response(request, response)
