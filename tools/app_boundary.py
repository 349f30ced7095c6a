"""An import-linter contract for the app boundary rule of docs/architecture.md: another app
imports only an app's `models`, `services`, `selectors` and `constants` (and `apps`), never its
other modules, apart from the documented exceptions named in the contract's options.

Configured in pyproject.toml (`[tool.importlinter] contract_types`); `lint-imports` finds this
module because it puts the working directory on `sys.path`.

Options:
- `container`: the top-level package whose sub-packages are the apps (`openkommune`).
- `public_modules`: the names of an app's public modules; their submodules count as public too
  (`services/` as a package is still "services").
- `allowed_modules`: module patterns any app may import, with everything below them
  (`openkommune.core`, `openkommune.accounts.access`). `*` stands for one name, `**` for one or
  more.
- `allowed_imports`: `importer -> imported` patterns for the assembling modules (`openkommune.api`
  importing each app's `api`).
"""

from __future__ import annotations

import re

from importlinter import Contract, ContractCheck, fields, output


def _pattern(expression: str) -> re.Pattern:
    parts = []
    for part in expression.strip().split("."):
        if part == "**":
            parts.append(r"[^.]+(?:\.[^.]+)*")
        elif part == "*":
            parts.append(r"[^.]+")
        else:
            parts.append(re.escape(part))
    return re.compile(r"\.".join(parts))


def _covered(module: str, pattern: re.Pattern) -> bool:
    """True when `module` is the pattern's module or lies below it."""
    names = module.split(".")
    return any(pattern.fullmatch(".".join(names[:end])) for end in range(1, len(names) + 1))


class AppBoundaryContract(Contract):
    type_name = "app_boundary"

    container = fields.StringField()
    public_modules = fields.ListField(subfield=fields.StringField())
    allowed_modules = fields.ListField(subfield=fields.StringField(), required=False)
    allowed_imports = fields.ListField(subfield=fields.StringField(), required=False)

    def _app(self, module: str) -> str | None:
        names = module.split(".")
        if names[0] != self.container or len(names) < 2:
            return None
        return names[1]

    def _allowed(self, importer: str, imported: str) -> bool:
        names = imported.split(".")
        if len(names) < 3 or names[2] in self.public_modules:
            return True
        if any(_covered(imported, _pattern(p)) for p in self.allowed_modules or []):
            return True
        for rule in self.allowed_imports or []:
            left, _, right = rule.partition("->")
            if _covered(importer, _pattern(left)) and _covered(imported, _pattern(right)):
                return True
        return False

    def check(self, graph, verbose: bool) -> ContractCheck:
        illegal = []
        for importer in sorted(graph.modules):
            importer_app = self._app(importer)
            if importer_app is None:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                imported_app = self._app(imported)
                if imported_app is None or imported_app == importer_app:
                    continue
                if self._allowed(importer, imported):
                    continue
                details = graph.get_import_details(importer=importer, imported=imported)
                illegal.append(
                    {
                        "importer": importer,
                        "imported": imported,
                        "line_numbers": sorted({d["line_number"] for d in details}),
                    }
                )
        return ContractCheck(kept=not illegal, metadata={"illegal_imports": illegal})

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error(
            "Other apps import only "
            + ", ".join(self.public_modules)
            + " of an app (docs/architecture.md):",
            bold=False,
        )
        output.new_line()
        for item in check.metadata["illegal_imports"]:
            lines = ", ".join(map(str, item["line_numbers"]))
            output.print_error(
                f"- {item['importer']} -> {item['imported']} (l.{lines})", bold=False
            )
        output.new_line()
