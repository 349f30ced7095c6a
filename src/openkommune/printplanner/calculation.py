"""The arithmetic of the print-and-copy concept, pure and exact (no database, no rounding
until the page shows a value). docs/print-planner.md explains every formula with an example.

Today (per device and year):
    pages per year  = pages in the period * DAYS_PER_YEAR / days of the period (whole pages)
    devices         = lease rate * 12, or purchase price / service life (years)
    toner & service = mono pages * toner mono + colour pages * toner colour
                      + all pages * service per page
    energy          = all pages * energy per page
    paper           = all pages * (1 - duplex share / 2) * paper per sheet

Scenario (per site, then summed; three cases of the uncertain effects):
    devices at a site = min(today's devices, max(1, ceil(employees / target ratio)))
    pages             = today's pages * (1 - follow-me reduction)
    colour pages      = today's colour pages * (1 - follow-me reduction) * (1 - mono shift)
    devices           = devices * device cost per month * 12
    licences          = devices * follow-me licence per device and year (with follow-me)
    toner & service   = mono pages * click mono + colour pages * click colour
    energy, paper     = as today, with the scenario's duplex share (the target with the
                        duplex default, else today's)
    one-off (year 1)  = devices * installation + follow-me set-up + contract exit costs

Over the years 1…n the per-page costs (toner, service, clicks, energy, paper) rise by the
price increase from year 2 (factor (1 + p)^(year - 1)); device and licence costs stay fixed.
TCO = the sum of the years' costs (plus the one-off costs); savings = TCO today - TCO scenario.
Case "low" takes every effect at its maximum (the lowest cost), "high" at its minimum.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

from openkommune.printplanner.constants import DAYS_PER_YEAR, Case, CostCategory

ZERO = Decimal(0)
HUNDRED = Decimal(100)
MONTHS = 12
PRECISION = 60  # digits; every result here is exact at this precision (finite decimals)


@dataclass(frozen=True)
class DeviceInput:
    site: str
    model: str
    colour: bool
    lease: bool
    monthly_rate: Decimal | None
    purchase_price: Decimal | None
    pages_mono: int
    pages_colour: int
    period_days: int
    toner_mono: Decimal
    toner_colour: Decimal | None
    service_per_page: Decimal
    energy_per_page: Decimal


@dataclass(frozen=True)
class InventoryAssumptions:
    paper_per_sheet: Decimal
    current_duplex_percent: Decimal
    service_life_years: int


@dataclass(frozen=True)
class ScenarioAssumptions:
    target_employees_per_device: Decimal
    device_cost_per_month: Decimal
    click_mono: Decimal
    click_colour: Decimal
    energy_per_page: Decimal
    installation_per_device: Decimal
    contract_exit_costs: Decimal
    follow_me: bool
    follow_me_licence_per_device: Decimal
    follow_me_setup: Decimal
    follow_me_reduction_min: Decimal
    follow_me_reduction_expected: Decimal
    follow_me_reduction_max: Decimal
    mono_default: bool
    mono_shift_min: Decimal
    mono_shift_expected: Decimal
    mono_shift_max: Decimal
    duplex_default: bool
    duplex_share_min: Decimal
    duplex_share_expected: Decimal
    duplex_share_max: Decimal
    years: int
    price_increase_percent: Decimal


def annual_pages(pages: int, period_days: int) -> int:
    """Pages in the period scaled to a year, rounded half up to whole pages."""
    value = Decimal(pages) * DAYS_PER_YEAR / Decimal(period_days)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _sheets(pages: Decimal, duplex_percent: Decimal) -> Decimal:
    """Two pages printed on both sides take one sheet."""
    return pages * (1 - duplex_percent / HUNDRED / 2)


@dataclass
class Costs:
    """Costs of one year at the first year's prices, by category."""

    devices: Decimal = ZERO
    supplies: Decimal = ZERO
    energy: Decimal = ZERO
    paper: Decimal = ZERO
    licences: Decimal = ZERO

    @property
    def fixed(self) -> Decimal:
        """What does not rise with prices per page."""
        return self.devices + self.licences

    @property
    def variable(self) -> Decimal:
        return self.supplies + self.energy + self.paper

    @property
    def total(self) -> Decimal:
        return self.fixed + self.variable

    def add(self, other: Costs) -> None:
        self.devices += other.devices
        self.supplies += other.supplies
        self.energy += other.energy
        self.paper += other.paper
        self.licences += other.licences

    def by_category(self) -> list[tuple[str, str, Decimal]]:
        return [
            (CostCategory.DEVICES.value, CostCategory.DEVICES.label, self.devices),
            (CostCategory.SUPPLIES.value, CostCategory.SUPPLIES.label, self.supplies),
            (CostCategory.ENERGY.value, CostCategory.ENERGY.label, self.energy),
            (CostCategory.PAPER.value, CostCategory.PAPER.label, self.paper),
            (CostCategory.LICENCES.value, CostCategory.LICENCES.label, self.licences),
        ]


@dataclass
class DeviceToday:
    device: DeviceInput
    pages_mono: int
    pages_colour: int
    costs: Costs

    @property
    def pages(self) -> int:
        return self.pages_mono + self.pages_colour


def device_today(device: DeviceInput, assumptions: InventoryAssumptions) -> DeviceToday:
    mono = annual_pages(device.pages_mono, device.period_days)
    colour = annual_pages(device.pages_colour, device.period_days)
    pages = Decimal(mono + colour)
    if device.lease:
        fixed = device.monthly_rate * MONTHS
    else:
        fixed = device.purchase_price / Decimal(assumptions.service_life_years)
    supplies = mono * device.toner_mono + pages * device.service_per_page
    if colour:
        supplies += colour * device.toner_colour
    costs = Costs(
        devices=fixed,
        supplies=supplies,
        energy=pages * device.energy_per_page,
        paper=_sheets(pages, assumptions.current_duplex_percent) * assumptions.paper_per_sheet,
    )
    return DeviceToday(device=device, pages_mono=mono, pages_colour=colour, costs=costs)


@dataclass
class SiteToday:
    name: str
    employees: int
    devices: int = 0
    pages_mono: int = 0
    pages_colour: int = 0
    costs: Costs = field(default_factory=Costs)

    @property
    def pages(self) -> int:
        return self.pages_mono + self.pages_colour

    @property
    def cost_per_page(self) -> Decimal | None:
        return self.costs.total / self.pages if self.pages else None

    @property
    def devices_per_employee(self) -> Decimal:
        return Decimal(self.devices) / self.employees

    @property
    def employees_per_device(self) -> Decimal | None:
        return Decimal(self.employees) / self.devices if self.devices else None


@dataclass
class Today:
    """Today's printing per site and in total, costs of one year."""

    sites: list[SiteToday]
    devices: list[DeviceToday]
    total: SiteToday

    @property
    def cost_per_page(self) -> Decimal | None:
        return self.total.cost_per_page


def today(
    devices: Sequence[DeviceInput],
    employees_by_site: dict[str, int],
    assumptions: InventoryAssumptions,
) -> Today:
    """`employees_by_site` in the order the sites are to be shown."""
    with localcontext() as context:
        context.prec = PRECISION
        sites = {name: SiteToday(name=name, employees=n) for name, n in employees_by_site.items()}
        rows = []
        for device in devices:
            row = device_today(device, assumptions)
            rows.append(row)
            site = sites[device.site]
            site.devices += 1
            site.pages_mono += row.pages_mono
            site.pages_colour += row.pages_colour
            site.costs.add(row.costs)
        total = SiteToday(name="", employees=sum(employees_by_site.values()))
        for site in sites.values():
            total.devices += site.devices
            total.pages_mono += site.pages_mono
            total.pages_colour += site.pages_colour
            total.costs.add(site.costs)
        return Today(sites=list(sites.values()), devices=rows, total=total)


@dataclass(frozen=True)
class Effects:
    follow_me_reduction: Decimal  # percent
    mono_shift: Decimal  # percent
    duplex_share: Decimal  # percent


def case_effects(case: str, s: ScenarioAssumptions, current_duplex: Decimal) -> Effects:
    """The effects of one case: "low" cost takes the largest effects, "high" the smallest."""
    pick = {Case.LOW: "max", Case.EXPECTED: "expected", Case.HIGH: "min"}[Case(case)]
    reduction = getattr(s, f"follow_me_reduction_{pick}") if s.follow_me else ZERO
    shift = getattr(s, f"mono_shift_{pick}") if s.mono_default else ZERO
    duplex = getattr(s, f"duplex_share_{pick}") if s.duplex_default else current_duplex
    return Effects(follow_me_reduction=reduction, mono_shift=shift, duplex_share=duplex)


def target_devices(*, employees: int, devices_today: int, ratio: Decimal) -> int:
    """Devices at a site in the scenario: employees / ratio rounded up, at least one, never
    more than today."""
    needed = max(1, math.ceil(Decimal(employees) / ratio))
    return min(devices_today, needed) if devices_today else 0


@dataclass
class SiteTarget:
    name: str
    employees: int
    devices_today: int
    devices: int

    @property
    def employees_per_device(self) -> Decimal | None:
        return Decimal(self.employees) / self.devices if self.devices else None


@dataclass
class CaseResult:
    case: str
    label: str
    effects: Effects
    pages_mono: Decimal
    pages_colour: Decimal
    costs: Costs  # one year at the first year's prices, without one-off costs
    one_off: Decimal
    years: list[Decimal]  # cost of each year, one-off costs in year 1
    tco: Decimal
    savings: Decimal
    savings_share: Decimal | None  # of today's TCO

    @property
    def pages(self) -> Decimal:
        return self.pages_mono + self.pages_colour

    @property
    def cost_per_page(self) -> Decimal | None:
        return self.costs.total / self.pages if self.pages else None


@dataclass
class ScenarioResult:
    today: Today
    sites: list[SiteTarget]
    devices: int
    today_years: list[Decimal]
    today_tco: Decimal
    cases: list[CaseResult]  # low, expected, high

    def case(self, case: str) -> CaseResult:
        return next(c for c in self.cases if c.case == case)

    @property
    def expected(self) -> CaseResult:
        return self.case(Case.EXPECTED)


def _year_costs(fixed: Decimal, variable: Decimal, growth: Decimal, years: int) -> list[Decimal]:
    return [fixed + variable * growth ** (year - 1) for year in range(1, years + 1)]


def scenario(
    devices: Sequence[DeviceInput],
    employees_by_site: dict[str, int],
    inventory: InventoryAssumptions,
    s: ScenarioAssumptions,
) -> ScenarioResult:
    with localcontext() as context:
        context.prec = PRECISION
        now = today(devices, employees_by_site, inventory)
        sites = [
            SiteTarget(
                name=site.name,
                employees=site.employees,
                devices_today=site.devices,
                devices=target_devices(
                    employees=site.employees,
                    devices_today=site.devices,
                    ratio=s.target_employees_per_device,
                ),
            )
            for site in now.sites
        ]
        count = sum(site.devices for site in sites)
        growth = 1 + s.price_increase_percent / HUNDRED
        today_years = _year_costs(now.total.costs.fixed, now.total.costs.variable, growth, s.years)
        today_tco = sum(today_years, ZERO)
        cases = []
        for case in (Case.LOW, Case.EXPECTED, Case.HIGH):
            effects = case_effects(case, s, inventory.current_duplex_percent)
            kept = 1 - effects.follow_me_reduction / HUNDRED
            pages = Decimal(now.total.pages) * kept
            colour = Decimal(now.total.pages_colour) * kept * (1 - effects.mono_shift / HUNDRED)
            mono = pages - colour
            costs = Costs(
                devices=count * s.device_cost_per_month * MONTHS,
                supplies=mono * s.click_mono + colour * s.click_colour,
                energy=pages * s.energy_per_page,
                paper=_sheets(pages, effects.duplex_share) * inventory.paper_per_sheet,
                licences=count * s.follow_me_licence_per_device if s.follow_me else ZERO,
            )
            one_off = count * s.installation_per_device + s.contract_exit_costs
            if s.follow_me:
                one_off += s.follow_me_setup
            years = _year_costs(costs.fixed, costs.variable, growth, s.years)
            years[0] += one_off
            tco = sum(years, ZERO)
            savings = today_tco - tco
            cases.append(
                CaseResult(
                    case=case.value,
                    label=case.label,
                    effects=effects,
                    pages_mono=mono,
                    pages_colour=colour,
                    costs=costs,
                    one_off=one_off,
                    years=years,
                    tco=tco,
                    savings=savings,
                    savings_share=savings / today_tco if today_tco else None,
                )
            )
        return ScenarioResult(
            today=now,
            sites=sites,
            devices=count,
            today_years=today_years,
            today_tco=today_tco,
            cases=cases,
        )
