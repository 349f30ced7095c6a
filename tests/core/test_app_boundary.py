"""The import-linter contract that enforces the app boundary rule (tools/app_boundary.py)."""

import grimp
import pytest
from tools.app_boundary import AppBoundaryContract

OPTIONS = {
    "container": "openkommune",
    "public_modules": ["models", "services", "selectors", "constants", "apps"],
    "allowed_modules": ["openkommune.core", "openkommune.accounts.access"],
    "allowed_imports": ["openkommune.api -> openkommune.*.api"],
}


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        for module in (importer, imported):
            graph.add_module(module)
        graph.add_import(
            importer=importer, imported=imported, line_number=3, line_contents="import x"
        )
    return graph


def _check(*imports):
    contract = AppBoundaryContract(
        name="App boundaries", session_options={}, contract_options=OPTIONS
    )
    return contract.check(_graph(*imports), verbose=False)


@pytest.mark.parametrize(
    "imported",
    [
        "openkommune.submissions.services",
        "openkommune.submissions.services.receipts",  # a module of the services package
        "openkommune.submissions.selectors",
        "openkommune.submissions.models",
        "openkommune.submissions.constants",
        "openkommune.core.widgets",  # allowed module, with everything below it
        "openkommune.accounts.access",
    ],
)
def test_public_and_allowed_modules_keep_the_contract(imported):
    assert _check(("openkommune.cases.views.cases", imported)).kept


def test_a_private_module_of_another_app_breaks_the_contract():
    check = _check(
        ("openkommune.cases.services.files", "openkommune.submissions.attachments"),
        ("openkommune.delivery.api", "openkommune.submissions.references"),
        ("openkommune.cases.views.cases", "openkommune.accounts.tokens"),
    )

    assert not check.kept
    broken = {(i["importer"], i["imported"]) for i in check.metadata["illegal_imports"]}
    assert broken == {
        ("openkommune.cases.services.files", "openkommune.submissions.attachments"),
        ("openkommune.delivery.api", "openkommune.submissions.references"),
        ("openkommune.cases.views.cases", "openkommune.accounts.tokens"),
    }
    assert check.metadata["illegal_imports"][0]["line_numbers"] == [3]


def test_an_app_may_import_its_own_private_modules():
    assert _check(("openkommune.submissions.services", "openkommune.submissions.attachments")).kept


def test_allowed_imports_are_limited_to_their_importer():
    assert _check(("openkommune.api.main", "openkommune.cases.api")).kept
    assert not _check(("openkommune.delivery.views", "openkommune.cases.api")).kept
