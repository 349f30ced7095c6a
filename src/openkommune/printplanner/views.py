"""Pages of the print-and-copy planner for the people of a member: the inventories with the
import, one inventory (today's printing per site, its assumptions, its scenarios), one
scenario (its assumptions and results) and the scenario's report as PDF."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from openkommune.accounts.access import logged_in_page
from openkommune.core import pdf
from openkommune.core.files import download_response
from openkommune.core.forms import add_service_errors
from openkommune.printplanner import charts, selectors, services
from openkommune.printplanner.constants import (
    IMPORT_MAX_ERRORS_SHOWN,
    SAMPLE_FILE,
    SAMPLE_FILE_NAME,
)
from openkommune.printplanner.forms import (
    ImportForm,
    InventoryAssumptionsForm,
    ScenarioForm,
    assumption_rows,
    inventory_assumption_rows,
)
from openkommune.printplanner.io import COLUMNS, REQUIRED_COLUMNS, InventoryImportError
from openkommune.printplanner.models import Inventory, Scenario
from openkommune.tenancy.selectors import current_tenant


def _tenant(request):
    tenant = current_tenant(request)
    if not services.may_plan(request.user, tenant):
        raise PermissionDenied(_("Das Druckkonzept ist für die Beschäftigten der Mitglieder."))
    return tenant


def _inventory(request, public_id) -> Inventory:
    try:
        return selectors.inventory_get(tenant=_tenant(request), public_id=public_id)
    except Inventory.DoesNotExist:
        raise Http404(_("Diese Bestandsaufnahme gibt es nicht.")) from None


def _scenario(request, public_id) -> Scenario:
    try:
        return selectors.scenario_get(tenant=_tenant(request), public_id=public_id)
    except Scenario.DoesNotExist:
        raise Http404(_("Dieses Szenario gibt es nicht.")) from None


@never_cache
@logged_in_page
@require_http_methods(["GET", "POST"])
def index(request):
    tenant = _tenant(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["datei"]
            try:
                inventory = services.inventory_import(
                    tenant=tenant,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    file=upload,
                    source_name=upload.name or "",
                )
            except InventoryImportError as error:
                errors, status = error.errors, 422
            except ValidationError as error:
                add_service_errors(form, error)
                status = 422
            else:
                count = inventory.devices.count()
                messages.success(
                    request,
                    ngettext(
                        "Die Geräteliste ist importiert: %(devices)d Gerät.",
                        "Die Geräteliste ist importiert: %(devices)d Geräte.",
                        count,
                    )
                    % {"devices": count},
                )
                return redirect("printplanner:inventory", public_id=inventory.public_id)
        else:
            status = 422
    context = {
        "form": form,
        "errors": errors[:IMPORT_MAX_ERRORS_SHOWN],
        "more_errors": max(0, len(errors) - IMPORT_MAX_ERRORS_SHOWN),
        "inventories": selectors.inventory_list(tenant=tenant),
        "columns": COLUMNS,
        "required_columns": REQUIRED_COLUMNS,
        "tenant": tenant,
    }
    return render(request, "printplanner/index.html", context, status=status)


@logged_in_page
@require_GET
def sample_file(request):
    """The sample inventory (demo data, not real) as a download."""
    _tenant(request)
    return download_response(
        filename=SAMPLE_FILE_NAME,
        content_type="text/csv; charset=utf-8",
        content=SAMPLE_FILE.read_bytes(),
    )


@never_cache
@logged_in_page
@require_http_methods(["GET", "POST"])
def inventory(request, public_id):
    row = _inventory(request, public_id)
    form = InventoryAssumptionsForm(
        request.POST if "annahmen" in request.POST else None,
        instance=selectors.inventory_get(tenant=row.tenant, public_id=row.public_id),
    )
    status = 200
    if request.method == "POST":
        if "szenario" in request.POST:
            scenario = services.scenario_create(
                inventory=row, actor=request.user, name=request.POST.get("name", "")[:200]
            )
            return redirect("printplanner:scenario", public_id=scenario.public_id)
        if "annahmen" in request.POST and form.is_valid():
            try:
                services.inventory_assumptions_update(
                    inventory=row, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Die Annahmen sind gespeichert."))
                return redirect("printplanner:inventory", public_id=row.public_id)
        status = 422
    context = {
        "inventory": row,
        "today": selectors.inventory_today(inventory=row),
        "devices": selectors.device_list(inventory=row),
        "scenarios": selectors.scenario_list(inventory=row),
        "form": form,
    }
    return render(request, "printplanner/inventory.html", context, status=status)


@logged_in_page
@require_http_methods(["GET", "POST"])
def inventory_delete(request, public_id):
    row = _inventory(request, public_id)
    if request.method == "POST":
        services.inventory_delete(inventory=row, actor=request.user)
        messages.success(
            request, _("Die Bestandsaufnahme „%(title)s“ ist gelöscht.") % {"title": row.title}
        )
        return redirect("printplanner:index")
    return render(request, "printplanner/inventory_delete.html", {"inventory": row})


def _result_context(scenario: Scenario) -> dict:
    result = selectors.scenario_result(scenario=scenario)
    today_costs = result.today.total.costs.by_category()
    case_costs = [case.costs.by_category() for case in result.cases]
    return {
        "result": result,
        "category_rows": [
            {
                "label": label,
                "today": value,
                "cases": [costs[index][2] for costs in case_costs],
            }
            for index, (_key, label, value) in enumerate(today_costs)
        ],
        "assumptions": assumption_rows(scenario),
        "inventory_assumptions": inventory_assumption_rows(scenario.inventory),
        "devices": selectors.device_list(inventory=scenario.inventory),
        "year_rows": [
            {
                "year": number,
                "today": result.today_years[number - 1],
                "cases": [case.years[number - 1] for case in result.cases],
            }
            for number in range(1, len(result.today_years) + 1)
        ],
        "tco_chart": charts.tco_chart(result),
        "structure_chart": charts.cost_structure_chart(result),
        "devices_chart": charts.devices_chart(result),
    }


@never_cache
@logged_in_page
@require_http_methods(["GET", "POST"])
def scenario(request, public_id):
    row = _scenario(request, public_id)
    form = ScenarioForm(
        request.POST or None,
        instance=selectors.scenario_get(tenant=row.tenant, public_id=row.public_id),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.scenario_update(scenario=row, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Das Szenario ist berechnet und gespeichert."))
                url = reverse("printplanner:scenario", args=[row.public_id])
                return redirect(f"{url}#ergebnis")
        status = 422
    context = {"scenario": row, "inventory": row.inventory, "form": form}
    context.update(_result_context(row))
    return render(request, "printplanner/scenario.html", context, status=status)


@logged_in_page
@require_GET
def report(request, public_id):
    """The scenario's report as PDF/UA: every input, the results and the charts."""
    row = _scenario(request, public_id)
    context = {
        "scenario": row,
        "inventory": row.inventory,
        "tenant": row.tenant,
        "form": ScenarioForm(instance=row),
        "created": timezone.localtime(),
    }
    context.update(_result_context(row))
    content = pdf.render_pdf("printplanner/report_pdf.html", context, identifier=str(row.public_id))
    filename = f"druckkonzept-{timezone.localdate().isoformat()}.pdf"
    return download_response(filename=filename, content_type="application/pdf", content=content)
