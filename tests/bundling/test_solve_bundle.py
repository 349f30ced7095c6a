"""`openkommune solve_bundle`: JSON in, JSON out, exit code 2 on malformed input."""

import copy
import json
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.bundling.test_optimizer import _harder
from tests.bundling.test_optimizer_bruteforce import check_solution

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "openkommune"
MONEY = re.compile(r"^-?\d+\.\d\d$")

ISSUE_EXAMPLE = {
    "members": ["m1", "m7"],
    "items": ["i1"],
    "suppliers": [{"id": "s1", "capacity": {"i1": 600}}, {"id": "s2"}],
    "prices": [
        {
            "supplier": "s1",
            "item": "i1",
            "tiers": [{"min_qty": 0, "unit_price": 899.0}, {"min_qty": 200, "unit_price": 850.0}],
        },
        {"supplier": "s2", "item": "i1", "tiers": [{"min_qty": 0, "unit_price": 870.0}]},
    ],
    "demand": [
        {"member": "m1", "item": "i1", "qty": 40},
        {"member": "m7", "item": "i1", "qty": 170},
    ],
    "ineligible": [{"member": "m7", "supplier": "s2"}],
}

# HiGHS prints two diagnostic lines to the process's stdout while solving this one.
NOISY = {
    "members": ["m0", "m1", "m2"],
    "items": ["i0", "i1"],
    "suppliers": [{"id": "s0", "capacity": {"i1": 19}}, {"id": "s1", "capacity": {"i1": 26}}],
    "prices": [
        {
            "supplier": "s0",
            "item": "i0",
            "tiers": [{"min_qty": 0, "unit_price": 7.87}, {"min_qty": 27, "unit_price": 3.54}],
        },
        {"supplier": "s0", "item": "i1", "tiers": [{"min_qty": 0, "unit_price": 12.35}]},
        {
            "supplier": "s1",
            "item": "i0",
            "tiers": [{"min_qty": 0, "unit_price": 2.17}, {"min_qty": 6, "unit_price": 12.13}],
        },
        {"supplier": "s1", "item": "i1", "tiers": [{"min_qty": 0, "unit_price": 4.48}]},
    ],
    "demand": [
        {"member": "m1", "item": "i1", "qty": 5},
        {"member": "m0", "item": "i1", "qty": 9},
        {"member": "m0", "item": "i0", "qty": 20},
        {"member": "m2", "item": "i0", "qty": 9},
        {"member": "m2", "item": "i1", "qty": 13},
    ],
}


def _file(tmp_path, data, name="instance.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def _run(*args) -> dict:
    out = StringIO()
    call_command("solve_bundle", *args, stdout=out)
    return json.loads(out.getvalue())


def test_prints_the_documented_json(tmp_path):
    out = _run(_file(tmp_path, ISSUE_EXAMPLE))
    assert list(out) == [
        "status",
        "total_cost",
        "gap",
        "assignment",
        "per_member",
        "alone_total",
        "savings_total",
        "messages",
    ]
    assert out["status"] == "optimal"
    assert out["gap"] == 0.0
    # 210 units at s1 reach the 200 tier: 210 x 850.00 = 178,500.00.
    assert out["total_cost"] == "178500.00"
    assert out["assignment"] == [
        {"member": "m1", "item": "i1", "supplier": "s1", "qty": 40, "unit_price": "850.00"},
        {"member": "m7", "item": "i1", "supplier": "s1", "qty": 170, "unit_price": "850.00"},
    ]
    assert out["per_member"] == [
        {"member": "m1", "cost": "34000.00", "alone_cost": "34800.00", "savings": "800.00"},
        {"member": "m7", "cost": "144500.00", "alone_cost": "152830.00", "savings": "8330.00"},
    ]
    assert (out["alone_total"], out["savings_total"]) == ("187630.00", "9130.00")
    check_solution(ISSUE_EXAMPLE, out)


def test_money_has_two_decimals_and_solutions_are_feasible(tmp_path):
    data = _harder(2)
    out = _run(_file(tmp_path, data))
    check_solution(data, out)
    money = [out["total_cost"], out["alone_total"], out["savings_total"]]
    money += [a["unit_price"] for a in out["assignment"]]
    money += [row[key] for row in out["per_member"] for key in ("cost", "alone_cost", "savings")]
    assert all(MONEY.match(value) for value in money)


def test_time_limit_option_reaches_the_solver(tmp_path):
    out = _run(_file(tmp_path, _harder(2)), "--time-limit", "0.000001")
    assert out["status"] == "time_limit"
    assert 0 < out["gap"] < 1


def test_infeasible_is_an_answer_not_an_error(tmp_path):
    data = copy.deepcopy(ISSUE_EXAMPLE)
    data["suppliers"][0]["capacity"]["i1"] = 100  # m7 may only buy at s1, which is too small
    out = _run(_file(tmp_path, data))
    assert out["status"] == "infeasible"
    assert out["messages"] == [
        'demand[1] ("m7", "i1", qty 170): the quantity exceeds every eligible supplier\'s '
        "capacity (s1: 100)"
    ]


def test_shapley_values_on_request(tmp_path):
    out = _run(_file(tmp_path, ISSUE_EXAMPLE), "--shapley", "20", "--seed", "4")
    shapley = out["shapley"]
    assert shapley["exact"]
    assert shapley["all_optimal"]
    rows = {row["member"]: row for row in shapley["per_member"]}
    # Two players: each pays its alone cost minus half the joint saving of 9,130.00.
    assert rows["m1"] == {
        "member": "m1",
        "value": "30235.00",
        "alone_cost": "34800.00",
        "savings": "4565.00",
    }
    assert rows["m7"] == {
        "member": "m7",
        "value": "148265.00",
        "alone_cost": "152830.00",
        "savings": "4565.00",
    }
    assert shapley["total"] == out["total_cost"]


def test_shapley_of_an_infeasible_instance_is_an_error_entry(tmp_path):
    data = copy.deepcopy(ISSUE_EXAMPLE)
    data["suppliers"][0]["capacity"]["i1"] = 100
    out = _run(_file(tmp_path, data), "--shapley", "5")
    assert out["status"] == "infeasible"
    assert out["shapley"] == {"error": out["messages"][0]}


def _without(key):
    def change(data):
        del data[key]

    return change


def _set(path, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


MALFORMED = [
    (_without("prices"), 'instance: missing key "prices"'),
    (_set(["demand", 1, "member"], "m9"), 'demand[1]: unknown member "m9"'),
    (_set(["demand", 0, "qty"], -3), "demand[0].qty: must be at least 1, got -3"),
    (
        _set(["prices", 0, "tiers", 1, "min_qty"], 0),
        "prices[0].tiers[1].min_qty: tiers must be in ascending order of min_qty",
    ),
    (
        _set(["prices", 1, "supplier"], "s1"),
        'prices[1]: duplicate price row for supplier "s1" and item "i1"',
    ),
]


@pytest.mark.parametrize(("change", "message"), MALFORMED)
def test_malformed_input_exits_with_2_naming_the_entry(tmp_path, change, message):
    data = copy.deepcopy(ISSUE_EXAMPLE)
    change(data)
    path = _file(tmp_path, data)
    with pytest.raises(CommandError) as caught:
        _run(path)
    assert caught.value.returncode == 2
    assert str(caught.value).startswith(f"{path}: {message}")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"members": [', "not valid JSON: Expecting value: line 1 column 14"),
        ('{"members": NaN}', "not valid JSON: NaN is not a number JSON allows"),
        ("", "not valid JSON"),
    ],
)
def test_non_json_exits_with_2(tmp_path, text, message):
    path = _file(tmp_path, text)
    with pytest.raises(CommandError, match=re.escape(message)) as caught:
        _run(path)
    assert caught.value.returncode == 2


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf"])
def test_time_limit_must_be_a_positive_number(tmp_path, value):
    # On the command line argparse turns this into exit code 2 with the same text.
    with pytest.raises(CommandError, match="argument --time-limit"):
        _run(_file(tmp_path, ISSUE_EXAMPLE), "--time-limit", value)


def test_missing_file_exits_with_2(tmp_path):
    with pytest.raises(CommandError, match="cannot read") as caught:
        _run(str(tmp_path / "nowhere.json"))
    assert caught.value.returncode == 2


def _console(*args, stdin: str | None = None):
    return subprocess.run(
        [str(SCRIPT), "solve_bundle", *args],
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_console_script_exit_code_2_on_non_json(tmp_path):
    result = _console(_file(tmp_path, "members: [m1]"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "not valid JSON" in result.stderr


def test_console_script_exit_code_2_names_the_bad_entry(tmp_path):
    data = copy.deepcopy(ISSUE_EXAMPLE)
    data["demand"][0]["member"] = "m9"
    result = _console(_file(tmp_path, data))
    assert result.returncode == 2
    assert 'demand[0]: unknown member "m9"' in result.stderr


def test_console_script_stdout_is_pure_json_even_when_highs_prints():
    result = _console("-", stdin=json.dumps(NOISY))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["status"] == "optimal"
    check_solution(NOISY, out)
