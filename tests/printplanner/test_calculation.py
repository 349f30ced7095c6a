"""The planner's arithmetic against examples worked out by hand (docs/print-planner.md)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openkommune.printplanner import calculation
from openkommune.printplanner.calculation import (
    DeviceInput,
    InventoryAssumptions,
    ScenarioAssumptions,
    annual_pages,
    target_devices,
)
from openkommune.printplanner.constants import SCENARIO_DEFAULTS

D = Decimal


def device(
    site,
    *,
    colour=False,
    lease=False,
    rate=None,
    price=None,
    mono=0,
    col=0,
    days=28,
    toner_mono="0.0200",
    toner_colour=None,
    service="0",
    energy="0",
):
    return DeviceInput(
        site=site,
        model="Testgerät",
        colour=colour,
        lease=lease,
        monthly_rate=None if rate is None else D(rate),
        purchase_price=None if price is None else D(price),
        pages_mono=mono,
        pages_colour=col,
        period_days=days,
        toner_mono=D(toner_mono),
        toner_colour=None if toner_colour is None else D(toner_colour),
        service_per_page=D(service),
        energy_per_page=D(energy),
    )


# Site A (20 employees): a leased mono printer counted 14 days, a purchased colour printer
# counted 28 days; site B (4 employees): a purchased mono printer counted 28 days.
DEVICES = [
    device("A", lease=True, rate="30.00", mono=1400, days=14, service="0.0050", energy="0.0010"),
    device(
        "A",
        colour=True,
        price="500.00",
        mono=2800,
        col=1400,
        toner_colour="0.1000",
        service="0.0100",
        energy="0.0020",
    ),
    device("B", price="200.00", mono=560, toner_mono="0.0300", energy="0.0010"),
]
EMPLOYEES = {"A": 20, "B": 4}
INVENTORY = InventoryAssumptions(
    paper_per_sheet=D("0.0100"), current_duplex_percent=D("20.0"), service_life_years=5
)
SCENARIO = ScenarioAssumptions(
    **{
        **SCENARIO_DEFAULTS,
        "target_employees_per_device": D("25"),
        "device_cost_per_month": D("50.00"),
        "click_mono": D("0.0050"),
        "click_colour": D("0.0400"),
        "energy_per_page": D("0.0010"),
        "installation_per_device": D("100.00"),
        "contract_exit_costs": D("300.00"),
        "follow_me": True,
        "follow_me_licence_per_device": D("100.00"),
        "follow_me_setup": D("1000.00"),
        "follow_me_reduction_min": D("0"),
        "follow_me_reduction_expected": D("10"),
        "follow_me_reduction_max": D("20"),
        "mono_default": True,
        "mono_shift_min": D("0"),
        "mono_shift_expected": D("20"),
        "mono_shift_max": D("40"),
        "duplex_default": True,
        "duplex_share_min": D("40"),
        "duplex_share_expected": D("50"),
        "duplex_share_max": D("60"),
        "years": 3,
        "price_increase_percent": D("0"),
    }
)


def test_pages_are_scaled_to_a_year_and_rounded_half_up():
    assert annual_pages(1400, 14) == 36_500
    assert annual_pages(560, 28) == 7_300
    assert annual_pages(1, 730) == 1  # 0.5 rounds up
    assert annual_pages(1, 731) == 0
    assert annual_pages(0, 28) == 0


def test_today_by_hand():
    today = calculation.today(DEVICES, EMPLOYEES, INVENTORY)
    leased, colour, small = today.devices
    # 1400 * 365 / 14 = 36,500 pages: 30 * 12 = 360 device; 36,500 * (0.02 + 0.005) = 912.50
    # toner and service; 36.50 energy; 36,500 * (1 - 0.20 / 2) * 0.01 = 328.50 paper.
    assert (leased.pages, leased.costs.devices, leased.costs.supplies) == (36_500, 360, D("912.5"))
    assert (leased.costs.energy, leased.costs.paper, leased.costs.total) == (
        D("36.5"),
        D("328.5"),
        D("1637.5"),
    )
    # 36,500 mono + 18,250 colour: 500 / 5 = 100; 730 + 1,825 + 54,750 * 0.01 = 3,102.50;
    # 109.50 energy; 54,750 * 0.9 * 0.01 = 492.75 paper.
    assert (colour.pages_mono, colour.pages_colour) == (36_500, 18_250)
    assert colour.costs.total == D("3804.75")
    # 7,300 pages: 40 + 219 + 7.30 + 65.70.
    assert small.costs.total == D("332")
    assert today.total.costs.total == D("5774.25")
    assert today.total.pages == 98_550
    assert today.cost_per_page == D("5774.25") / 98_550
    site_a, site_b = today.sites
    assert (site_a.devices, site_a.devices_per_employee, site_a.employees_per_device) == (
        2,
        D("0.1"),
        D("10"),
    )
    assert (site_b.devices, site_b.devices_per_employee) == (1, D("0.25"))


def test_scenario_by_hand():
    result = calculation.scenario(DEVICES, EMPLOYEES, INVENTORY, SCENARIO)
    # 20 / 25 -> 1 device at A (from 2); 4 / 25 -> 1 at B (never 0).
    assert [(s.devices_today, s.devices) for s in result.sites] == [(2, 1), (1, 1)]
    assert result.devices == 2
    assert result.today_tco == 3 * D("5774.25")
    low, expected, high = result.cases
    # Expected: 10 % fewer pages: 88,695; colour 18,250 * 0.9 * 0.8 = 13,140; mono 75,555.
    assert (expected.pages, expected.pages_colour, expected.pages_mono) == (88_695, 13_140, 75_555)
    # 1,200 devices + 200 licences + 377.775 + 525.60 clicks + 88.695 energy
    # + 88,695 * 0.75 * 0.01 = 665.2125 paper = 3,057.2825; one-off 200 + 1,000 + 300.
    assert expected.costs.total == D("3057.2825")
    assert expected.one_off == 1500
    assert expected.years == [D("4557.2825"), D("3057.2825"), D("3057.2825")]
    assert expected.tco == D("10671.8475")
    assert expected.savings == D("17322.75") - D("10671.8475")
    # Low: 20 % fewer pages, 40 % of colour to mono, 60 % duplex: 2,731.52 a year.
    assert low.costs.total == D("2731.52")
    assert low.tco == D("9694.56")
    # High: no fewer pages, no shift, 40 % duplex: 3,418.45 a year.
    assert high.costs.total == D("3418.45")
    assert high.tco == D("11755.35")
    assert low.tco < expected.tco < high.tco < result.today_tco


def test_price_increase_applies_to_costs_per_page_from_year_two():
    values = {**SCENARIO.__dict__, "price_increase_percent": D("10")}
    result = calculation.scenario(DEVICES, EMPLOYEES, INVENTORY, ScenarioAssumptions(**values))
    # Today: 500 fixed + 5,274.25 per page costs; years 5,774.25, 6,301.675, 6,881.8425.
    assert result.today_years == [D("5774.25"), D("6301.675"), D("6881.8425")]
    assert result.today_tco == D("18957.7675")
    # Expected: 1,400 fixed + 1,657.2825; year 1 with 1,500 one-off.
    assert result.expected.years == [D("4557.2825"), D("3223.01075"), D("3405.311825")]
    assert result.expected.tco == D("11185.605075")
    assert result.expected.savings == D("7772.162425")


def test_switched_off_effects_change_nothing():
    values = {
        **SCENARIO.__dict__,
        "follow_me": False,
        "mono_default": False,
        "duplex_default": False,
    }
    result = calculation.scenario(DEVICES, EMPLOYEES, INVENTORY, ScenarioAssumptions(**values))
    for case in result.cases:
        assert case.effects.follow_me_reduction == 0
        assert case.effects.mono_shift == 0
        assert case.effects.duplex_share == D("20.0")  # today's
        assert case.costs.licences == 0
        assert case.one_off == 200 + 300  # no follow-me set-up
    assert result.cases[0].tco == result.cases[1].tco == result.cases[2].tco


@pytest.mark.parametrize(
    ("employees", "today", "ratio", "expected"),
    [
        (20, 2, D("25"), 1),
        (30, 5, D("15"), 2),
        (31, 5, D("15"), 3),
        (100, 3, D("15"), 3),
        (1, 4, D("15"), 1),
        (45, 9, D("14.9"), 4),
    ],
)
def test_target_devices(employees, today, ratio, expected):
    assert target_devices(employees=employees, devices_today=today, ratio=ratio) == expected


money = st.decimals(min_value=0, max_value=200, places=2)
per_page = st.decimals(min_value=0, max_value=D("0.2"), places=4)
percent = st.decimals(min_value=0, max_value=100, places=1)


@settings(max_examples=60, deadline=None)
@given(
    devices=st.lists(
        st.builds(
            device,
            st.sampled_from(["A", "B"]),
            colour=st.just(True),
            lease=st.booleans(),
            rate=money.map(str),
            price=money.map(str),
            mono=st.integers(0, 50_000),
            col=st.integers(0, 50_000),
            days=st.integers(1, 366),
            toner_mono=per_page.map(str),
            toner_colour=per_page.map(str),
            service=per_page.map(str),
            energy=per_page.map(str),
        ),
        min_size=1,
        max_size=6,
    ),
    ranges=st.lists(percent, min_size=9, max_size=9),
    click=st.tuples(per_page, per_page),
    increase=st.decimals(min_value=0, max_value=20, places=1),
)
def test_cases_are_ordered_and_add_up(devices, ranges, click, increase):
    follow, shift, duplex = (sorted(ranges[i : i + 3]) for i in (0, 3, 6))
    values = {
        **SCENARIO.__dict__,
        "click_mono": min(click),
        "click_colour": max(click),  # colour never cheaper than mono, so shifting saves
        "follow_me_reduction_min": follow[0],
        "follow_me_reduction_expected": follow[1],
        "follow_me_reduction_max": follow[2],
        "mono_shift_min": shift[0],
        "mono_shift_expected": shift[1],
        "mono_shift_max": shift[2],
        "duplex_share_min": duplex[0],
        "duplex_share_expected": duplex[1],
        "duplex_share_max": duplex[2],
        "price_increase_percent": increase,
    }
    employees = dict.fromkeys(sorted({d.site for d in devices}), 10)
    result = calculation.scenario(devices, employees, INVENTORY, ScenarioAssumptions(**values))
    low, expected, high = result.cases
    assert low.tco <= expected.tco <= high.tco
    assert result.today_tco == sum(result.today_years)
    for case in result.cases:
        assert case.tco == sum(case.years)
        assert case.savings == result.today_tco - case.tco
    assert result.devices <= len(devices)
