"""A small reader and writer for gettext PO files (the platform's message catalogues), without
a dependency: enough for the catalogue test (tests/test_translations.py) and for
`make messages`, which reports what is still untranslated.

`python -m tools.po stats [PO]` prints the number of messages and of untranslated ones;
`python -m tools.po untranslated [PO]` lists the untranslated msgids with their locations;
`python -m tools.po fill TSV [PO]` writes translations from a file of lines
"msgid<TAB>translation" (C escapes such as \\n; plural forms separated by " ||| "), checks
their placeholders and clears the fuzzy flag of each entry it fills."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENGLISH_PO = REPO / "src" / "openkommune" / "locale" / "en" / "LC_MESSAGES" / "django.po"

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text)


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    locations: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)  # every other comment line, verbatim
    obsolete: bool = False

    @property
    def translations(self) -> list[str]:
        if self.msgid_plural is None:
            return [self.msgstr]
        return [self.msgstr_plural[n] for n in sorted(self.msgstr_plural)]

    @property
    def translated(self) -> bool:
        return "fuzzy" not in self.flags and all(self.translations) and bool(self.translations)


def parse(text: str) -> list[Entry]:
    entries: list[Entry] = []
    current: Entry | None = None
    key: str | None = None
    pending_comments: list[str] = []
    pending_flags: set[str] = set()
    pending_locations: list[str] = []

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            finish()
            key = None
            continue
        if line.startswith("#~"):
            continue  # obsolete entries are not part of the catalogue
        if line.startswith("#"):
            if current is not None and key is not None:
                finish()
                key = None
            if line.startswith("#,"):
                pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            elif line.startswith("#:"):
                pending_locations += line[2:].split()
            else:
                pending_comments.append(raw)
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"$', line)
        if match:
            keyword, index, value = match.group(1), match.group(2), unescape(match.group(3))
            if keyword in ("msgid", "msgctxt") and current is not None and key not in ("msgctxt",):
                finish()
            if current is None:
                current = Entry(msgid="")
                current.flags, current.locations = pending_flags, pending_locations
                current.comments = pending_comments
                pending_flags, pending_locations, pending_comments = set(), [], []
            key = keyword if index is None else f"msgstr[{index}]"
            _append(current, key, value)
            continue
        if line.startswith('"') and current is not None and key is not None:
            _append(current, key, unescape(line[1:-1]))
            continue
        raise ValueError(f"unreadable PO line: {raw!r}")
    finish()
    return entries


def _append(entry: Entry, key: str, value: str) -> None:
    if key == "msgid":
        entry.msgid += value
    elif key == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + value
    elif key == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + value
    elif key == "msgstr":
        entry.msgstr += value
    else:
        index = int(key[len("msgstr[") : -1])
        entry.msgstr_plural[index] = entry.msgstr_plural.get(index, "") + value


def _quoted(keyword: str, value: str) -> list[str]:
    if "\n" in value[:-1]:
        parts = [part + "\n" for part in value.split("\n")]
        parts[-1] = parts[-1][:-1]
        if not parts[-1]:
            parts.pop()
        return [f'{keyword} ""'] + [f'"{escape(part)}"' for part in parts]
    return [f'{keyword} "{escape(value)}"']


def dump(entries: list[Entry]) -> str:
    blocks = []
    for entry in entries:
        # Order of the PO format: translator and extracted comments, references, flags, and
        # the previous msgid ("#|"), which only a fuzzy entry keeps.
        lines = [c for c in entry.comments if not c.startswith("#|")]
        if entry.locations:
            lines.append("#: " + " ".join(entry.locations))
        if entry.flags:
            lines.append("#, " + ", ".join(sorted(entry.flags)))
        if "fuzzy" in entry.flags:
            lines += [c for c in entry.comments if c.startswith("#|")]
        if entry.msgctxt is not None:
            lines += _quoted("msgctxt", entry.msgctxt)
        lines += _quoted("msgid", entry.msgid)
        if entry.msgid_plural is not None:
            lines += _quoted("msgid_plural", entry.msgid_plural)
            for index in sorted(entry.msgstr_plural) or [0, 1]:
                lines += _quoted(f"msgstr[{index}]", entry.msgstr_plural.get(index, ""))
        else:
            lines += _quoted("msgstr", entry.msgstr)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


# Placeholders that must survive translation unchanged: %(name)s, %s/%d, {name}/{0}
# (python-brace-format) and the {{ name }} of templates' blocktranslate, which makemessages
# turns into %(name)s.
PLACEHOLDER = re.compile(r"%\([^)]+\)[#0 +-]*\d*(?:\.\d+)?[sdifr]|%[sdifr]|\{[A-Za-z_0-9]*\}")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def fill(path: Path, table: Path) -> list[str]:
    """Write the translations of `table` into the catalogue at `path`; the problems found."""
    entries = parse(path.read_text(encoding="utf-8"))
    by_msgid = {entry.msgid: entry for entry in entries if entry.msgid}
    problems = []
    for line in table.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        source, _, text = line.partition("\t")
        entry = by_msgid.get(unescape(source))
        if entry is None:
            problems.append(f"not in the catalogue: {source!r}")
            continue
        if entry.msgid_plural is None:
            entry.msgstr = unescape(text)
            pairs = [(entry.msgid, entry.msgstr)]
        else:
            forms = [unescape(form) for form in text.split(" ||| ")]
            if len(forms) != 2:
                problems.append(f"needs two plural forms: {source!r}")
                continue
            entry.msgstr_plural = dict(enumerate(forms))
            pairs = list(zip((entry.msgid, entry.msgid_plural), forms, strict=True))
        for msgid, translation in pairs:
            if placeholders(msgid) != placeholders(translation):
                problems.append(f"placeholders differ: {msgid!r} / {translation!r}")
        entry.flags.discard("fuzzy")
    path.write_text(dump(entries), encoding="utf-8")
    return problems


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "stats"
    if command == "fill":
        problems = fill(Path(argv[2]) if len(argv) > 2 else ENGLISH_PO, Path(argv[1]))
        print("\n".join(problems) or "filled")
        return 1 if problems else 0
    path = Path(argv[1]) if len(argv) > 1 else ENGLISH_PO
    entries = [e for e in parse(path.read_text(encoding="utf-8")) if e.msgid]
    missing = [e for e in entries if not e.translated]
    if command == "stats":
        print(f"{path}: {len(entries)} messages, {len(missing)} untranslated")
    elif command == "untranslated":
        for entry in missing:
            print(f"{' '.join(entry.locations[:2])}\t{entry.msgid!r}")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
