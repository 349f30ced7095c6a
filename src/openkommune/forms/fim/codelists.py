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
