"""Assembles /api/v1 from each app's api.py."""

from ninja import NinjaAPI

from openkommune.api.caching import no_store_unless_public
from openkommune.api.errors import install_error_handlers
from openkommune.api.input import StrictParser, enforce_input_rules
from openkommune.api.openapi import OpenKommuneSchema
from openkommune.bundling.api import router as bundling_router
from openkommune.cases.api import router as cases_router
from openkommune.catalog.api import router as catalog_router
from openkommune.core.api_docs import SwaggerDocs
from openkommune.delivery.api import router as delivery_router
from openkommune.digitalpakt.api import router as digitalpakt_router
from openkommune.forms.api import router as forms_router
from openkommune.members.api import router as members_router
from openkommune.procurement.api import router as procurement_router
from openkommune.regions.api import router as regions_router
from openkommune.reports.api import router as reports_router
from openkommune.search.api import router as search_router
from openkommune.submissions.api import router as submissions_router


class OpenKommuneAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return OpenKommuneSchema(self, path_prefix)


api = OpenKommuneAPI(
    title="OpenKommune API",
    version="1",
    description=(
        "Öffentliche Schnittstelle der OpenKommune-Plattform. Fehler haben immer die Form "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    # Swagger UI from django-ninja's own static files (core.api_docs): no CDN, CSP-compatible.
    docs_url="/docs",
    docs=SwaggerDocs(),
    parser=StrictParser(),
)
install_error_handlers(api)
# "view" mode wraps Operation.run: before authentication and before the body is parsed.
api.add_decorator(enforce_input_rules, mode="view")
api.add_decorator(no_store_unless_public, mode="view")
api.add_router("/regions", regions_router)
# Both routers serve /services: search owns the list and detail, catalog the responsibility.
api.add_router("/services", search_router)
api.add_router("/services", catalog_router)
api.add_router("/members", members_router)
# Reports serve /coverage and /ozg-progress at the API root.
api.add_router("", reports_router)
api.add_router("/forms", forms_router)
api.add_router("/applications", submissions_router)
api.add_router("/procurement", procurement_router)
api.add_router("/procurement/bundling", bundling_router)
api.add_router("/procurement/digitalpakt", digitalpakt_router)
api.add_router("/cases", cases_router)
api.add_router("/authority", delivery_router)
