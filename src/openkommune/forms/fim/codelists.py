"""Code lists for the FIM import. XDatenfelder 1.0/2.0 schemas only *reference* their code
lists (URN and version); the values travel as separate genericode files (the FIM export
bundles them next to the schema; XRepository publishes them). The index finds the file
for a reference; without one the importer falls back to a text field and reports it."""

from __future__ import annotations

from pathlib import Path

from openkommune.forms.fim.reader import (
    FimCodeListRef,
    FimFileError,
    GenericodeList,
    find_genericode_files,
    read_genericode,
)


class CodeListIndex:
    def __init__(self, lists: list[GenericodeList], problems: list[str] | None = None):
        self.lists = list(lists)
        # Files that were found but could not be read; the importer reports them.
        self.problems = list(problems or [])
        self._by_uri: dict[str, list[GenericodeList]] = {}
        self._by_name: dict[str, list[GenericodeList]] = {}
        for code_list in self.lists:
            if code_list.uri:
                self._by_uri.setdefault(code_list.uri.casefold(), []).append(code_list)
            if code_list.name:
                self._by_name.setdefault(code_list.name.casefold(), []).append(code_list)

    def __len__(self) -> int:
        return len(self.lists)

    def find(
        self, ref: FimCodeListRef | None, name: str = ""
    ) -> tuple[GenericodeList | None, bool]:
        """The code list for a reference (or, in XDatenfelder 1.0, a bare name) and whether
        its version is the one referenced."""
        candidates: list[GenericodeList] = []
        if ref is not None and ref.uri:
            candidates = self._by_uri.get(ref.uri.casefold(), [])
            if not candidates:
                # 1.0 sometimes puts a plain name ("Anrede") where the URN belongs.
                candidates = self._by_name.get(ref.uri.casefold(), [])
        if not candidates and name:
            candidates = self._by_name.get(name.casefold(), [])
        if not candidates:
            return None, False
        if ref is not None:
            for code_list in candidates:
                same_uri = ref.version_uri and code_list.version_uri == ref.version_uri
                if same_uri or (ref.version and code_list.version == ref.version):
                    return code_list, True
            if not (ref.version or ref.version_uri):
                return candidates[-1], True
        # Another version than referenced: the newest we have, reported by the caller.
        return max(candidates, key=lambda c: c.version), False


def load_code_lists(paths) -> CodeListIndex:
    """Genericode files from the given files and folders (folders: every XML file in them
    that declares the genericode namespace). An explicitly named file that cannot be read
    raises FimFileError; unreadable files found in a folder are listed in `problems`."""
    lists: list[GenericodeList] = []
    problems: list[str] = []
    for entry in paths:
        entry = Path(entry)
        if entry.is_dir():
            for candidate in find_genericode_files([entry]):
                try:
                    lists.append(read_genericode(candidate.read_bytes(), path=candidate))
                except FimFileError as exc:
                    problems.append(f"Codelisten-Datei nicht lesbar, ignoriert: {exc}")
        elif entry.is_file():
            lists.append(read_genericode(entry.read_bytes(), path=entry))
        else:
            raise FimFileError("Codelisten-Datei oder -Ordner nicht gefunden.", path=entry)
    return CodeListIndex(lists, problems)


# Limits of the form definition format (form-definition.schema.json) and of the library.
URI_MAX = 300
VERSION_MAX = 50
CODE_MAX = 100
LABEL_MAX = 500
ENTRIES_MAX = 5000


def library_problems(code_list: GenericodeList) -> list[str]:
    """Why a genericode list cannot go into the code list library (German; empty: it can).
    The library is strict where the FIM import is lenient: a list without canonical URI or
    version, without entries, with duplicate codes or with values the form format cannot
    hold is refused as a whole, so a field never shows half a list."""
    problems = []
    if not code_list.uri:
        problems.append("Die Codeliste hat keine kanonische URI („CanonicalUri“).")
    elif len(code_list.uri) > URI_MAX:
        problems.append(f"Die kanonische URI ist länger als {URI_MAX} Zeichen.")
    if not code_list.version:
        problems.append("Die Codeliste hat keine Version („Version“).")
    elif len(code_list.version) > VERSION_MAX:
        problems.append(f"Die Version ist länger als {VERSION_MAX} Zeichen.")
    if not code_list.entries:
        problems.append("Die Codeliste enthält keine Einträge („SimpleCodeList/Row“).")
    elif len(code_list.entries) > ENTRIES_MAX:
        problems.append(f"Die Codeliste hat mehr als {ENTRIES_MAX} Einträge.")
    seen: set[str] = set()
    for number, (code, label) in enumerate(code_list.entries, start=1):
        if code in seen:
            problems.append(f"Zeile {number}: Der Code „{code[:40]}“ kommt doppelt vor.")
        seen.add(code)
        if len(code) > CODE_MAX:
            problems.append(f"Zeile {number}: Der Code ist länger als {CODE_MAX} Zeichen.")
        if len(label) > LABEL_MAX:
            problems.append(
                f"Zeile {number}: Die Bezeichnung von „{code[:40]}“ ist länger als "
                f"{LABEL_MAX} Zeichen."
            )
        if len(problems) >= 10:
            problems.append("Weitere Probleme werden nicht aufgeführt.")
            break
    return problems
