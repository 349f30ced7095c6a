"""Reads of the print-and-copy planner, always inside the member's scope: another member's
inventory or scenario raises DoesNotExist exactly like a missing one."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet

from openkommune.printplanner import calculation
from openkommune.printplanner.models import (
    INVENTORY_ASSUMPTION_FIELDS,
    SCENARIO_FIELDS,
    Device,
    Inventory,
    Scenario,
)
from openkommune.tenancy.scoping import scope


def inventory_list(*, tenant) -> QuerySet[Inventory]:
    with scope(tenant=tenant):
        return Inventory.objects.annotate(
            device_count=Count("devices", distinct=True),
            site_count=Count("sites", distinct=True),
            scenario_count=Count("scenarios", distinct=True),
        ).order_by("-created_at")


def inventory_get(*, tenant, public_id) -> Inventory:
    """Raises `Inventory.DoesNotExist` (also for a malformed id or another member's)."""
    with scope(tenant=tenant):
        try:
            return Inventory.objects.get(public_id=public_id)
        except (ValidationError, ValueError):
            raise Inventory.DoesNotExist from None


def scenario_get(*, tenant, public_id) -> Scenario:
    """Raises `Scenario.DoesNotExist` (also for a malformed id or another member's)."""
    with scope(tenant=tenant):
        try:
            return Scenario.objects.select_related("inventory").get(public_id=public_id)
        except (ValidationError, ValueError):
            raise Scenario.DoesNotExist from None


def scenario_list(*, inventory: Inventory) -> list[Scenario]:
    with scope(tenant=inventory.tenant):
        return list(inventory.scenarios.all())


def device_list(*, inventory: Inventory) -> list[Device]:
    with scope(tenant=inventory.tenant):
        return list(inventory.devices.select_related("site").order_by("line"))


def _inputs(inventory: Inventory):
    with scope(tenant=inventory.tenant):
        employees = {site.name: site.employees for site in inventory.sites.order_by("line")}
        devices = [
            calculation.DeviceInput(
                site=device.site.name,
                model=device.model,
                colour=device.colour,
                lease=device.acquisition == "lease",
                monthly_rate=device.monthly_rate,
                purchase_price=device.purchase_price,
                pages_mono=device.pages_mono,
                pages_colour=device.pages_colour,
                period_days=device.period_days,
                toner_mono=device.toner_mono,
                toner_colour=device.toner_colour,
                service_per_page=device.service_per_page,
                energy_per_page=device.energy_per_page,
            )
            for device in inventory.devices.select_related("site").order_by("line")
        ]
    assumptions = calculation.InventoryAssumptions(
        **{name: getattr(inventory, name) for name in INVENTORY_ASSUMPTION_FIELDS}
    )
    return devices, employees, assumptions


def inventory_today(*, inventory: Inventory) -> calculation.Today:
    """Today's printing of the inventory: per site and in total, costs of one year."""
    devices, employees, assumptions = _inputs(inventory)
    return calculation.today(devices, employees, assumptions)


def scenario_result(*, scenario: Scenario) -> calculation.ScenarioResult:
    devices, employees, assumptions = _inputs(scenario.inventory)
    values = calculation.ScenarioAssumptions(
        **{name: getattr(scenario, name) for name in SCENARIO_FIELDS}
    )
    return calculation.scenario(devices, employees, assumptions, values)
