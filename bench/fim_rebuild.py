"""Benchmark aid: FIM schemas whose XDatenfelder file is missing, rebuilt from the same
export's derived files, and the share of their rules taken over (docs/benchmarks.md
"fim_rules", sixth pass).

    .venv/bin/python bench/fim_rebuild.py rebuild --derived DIR --known DIR --out DIR [ID ...]
    .venv/bin/python bench/fim_rebuild.py score FILE.xml ...
    .venv/bin/python bench/fim_rebuild.py validate --derived DIR --known DIR --out DIR

github.com/BUND-T/Prototype keeps, per fimportal.de export, `fim_data/<ID>/` with
`schema.xdf.xml` and files derived from it: `graph.json` (every field and group: id,
version, label, help, inline codes, cardinality, children), `meta.json` and `<ID>.md` (every
rule's free text, verbatim). For schemas whose `schema.xdf.xml` is not retrievable,
`rebuild` writes an XDatenfelder 3 file: every element whose (id, version) occurs in one of
the present exports (`--known`, XDatenfelder 3 files) is copied from there verbatim — FIM
elements are versioned, the same id and version are the same element, rules attached inside
it included — and the others are built from `graph.json`; a built field, whose data type the
derived files do not give, is a text field (a select field with its inline codes) marked
"REBUILT: type unknown" in its `beschreibung`. A rule not already inside a copied group is
attached to every lowest group under which all the elements it names occur (else to the
schema), where FIM modellers put a rule.

`score` counts per rule (by id; taken over when every use of it is), and separately the
"scoreable" rules: those naming no rebuilt field. `validate` rebuilds every present export
from its own derived files, each time with the *other* present exports as `--known`, and
compares rule by rule with the real file (the figures in docs/benchmarks.md). No database.
Test data stays outside the repository (the licence of the FIM data is not stated there).
"""

import argparse
import copy
import json
import re
import sys
from collections import Counter
from pathlib import Path

from lxml import etree

from fim_rules import import_fim, setup_django

X = "urn:xoev-de:fim:standard:xdatenfelder_3.0.0"
REBUILT = "REBUILT: type unknown"
REF = re.compile(r"\b[FG]\d{11}\b")


def q(name: str) -> str:
    return f"{{{X}}}{name}"


def ident(element) -> tuple[str, str]:
    found = element.find(q("identifikation"))
    return found.findtext(q("id")), found.findtext(q("version"))


def known_elements(folder: Path, exclude: str = "") -> dict:
    """(id, version) → the element, for fields, groups and rules of the present exports."""
    known: dict = {}
    for path in sorted(folder.glob("*.xml")):
        if exclude and path.name.startswith(exclude):
            continue
        tree = etree.parse(str(path))
        for tag in ("datenfeld", "datenfeldgruppe", "regel"):
            for element in tree.iter(q(tag)):
                known.setdefault((tag, *ident(element)), element)
    return known


def sub(parent, name: str, text: str | None = None):
    element = etree.SubElement(parent, q(name))
    if text is not None:
        element.text = text
    return element


def code(parent, name: str, value: str):
    etree.SubElement(sub(parent, name), "code").text = value


def identification(parent, fim_id: str, version: str):
    holder = sub(parent, "identifikation")
    sub(holder, "id", fim_id)
    sub(holder, "version", version)


def children_of(group) -> list[tuple[str, str, str]]:
    out = []
    for structure in group.findall(q("struktur")):
        (child,) = structure.find(q("enthaelt"))
        out.append((*ident(child), structure.findtext(q("anzahl"))))
    return out


class Rebuilder:
    def __init__(self, known: dict):
        self.known = known
        self.counts: Counter = Counter()

    def element(self, node: dict, nodes: dict):
        kind = "datenfeld" if node["kind"] == "field" else "datenfeldgruppe"
        kids = [nodes[path] for path in node["children"]]
        found = self.known.get((kind, node["id"], node["version"]))
        wanted = [(kid["id"], kid["version"], kid["anzahl"]) for kid in kids]
        if found is not None and (kind == "datenfeld" or children_of(found) == wanted):
            self.counts[f"copied {kind}"] += 1
            return copy.deepcopy(found)
        if found is not None:
            self.counts["group differs from its namesake"] += 1
        self.counts[f"built {kind}"] += 1
        element = etree.Element(q(kind))
        identification(element, node["id"], node["version"])
        sub(element, "name", node["name"] or node["label"])
        if kind == "datenfeld":
            sub(element, "beschreibung", REBUILT)
        sub(element, "bezeichnungEingabe", node["label"] or node["name"])
        code(element, "schemaelementart", "RNG")
        if node["hilfetext"]:
            sub(element, "hilfetextEingabe", node["hilfetext"])
        if kind == "datenfeld":
            code(element, "feldart", "select" if node["werte"] else "input")
            code(element, "datentyp", "text")
            if node["werte"]:
                values = sub(element, "werte")
                for value in node["werte"]:
                    entry = sub(values, "wert")
                    sub(entry, "code", value["code"])
                    sub(entry, "name", value["name"])
            return element
        for kid in kids:
            structure = sub(element, "struktur")
            sub(structure, "anzahl", kid["anzahl"])
            sub(structure, "enthaelt").append(self.element(kid, nodes))
        return element

    def rebuild(self, folder: Path) -> bytes:
        fim_id = folder.name
        graph = json.loads((folder / "graph.json").read_text(encoding="utf-8"))
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        notes = (folder / f"{fim_id}.md").read_text(encoding="utf-8")
        nodes = {node["path_id"]: node for node in graph["nodes"]}
        root = etree.Element(q("xdatenfelder.stammdatenschema.0102"), nsmap={"xdf3": X})
        header = sub(root, "header")
        sub(header, "nachrichtID", "rebuilt-from-derived-files")
        sub(header, "erstellungszeitpunkt", meta["fetched_at"])
        schema = sub(root, "stammdatenschema")
        identification(schema, fim_id, meta["fim_version"])
        sub(schema, "name", meta["name"])
        sub(schema, "bezeichnung", meta["bezeichnung"])
        slot = len(schema)
        for node in graph["nodes"]:
            if node["parent"] is None:
                structure = sub(schema, "struktur")
                sub(structure, "anzahl", node["anzahl"])
                sub(structure, "enthaelt").append(self.element(node, nodes))
        inside = {ident(rule)[0] for rule in schema.iter(q("regel"))}
        body = notes.split("\n## Regeln\n", 1)[1] if "\n## Regeln\n" in notes else ""
        parts = re.split(r"^### `(R\d+) v([\d.]+)` — (.*)$", body, flags=re.M)
        seen = set()
        for index in range(1, len(parts), 4):
            rule_id, version, name = parts[index : index + 3]
            text = parts[index + 3].strip()
            if rule_id in seen:
                continue
            seen.add(rule_id)
            self.check_text(rule_id, version, text)
            if rule_id in inside:
                continue
            owners = lowest_owners(schema, text) or [None]
            for owner in owners:
                rule = etree.Element(q("regel"))
                identification(rule, rule_id, version)
                sub(rule, "name", name)
                sub(rule, "freitextRegel", text)
                if owner is None:
                    schema.insert(slot, rule)
                    slot += 1
                else:
                    first = owner.find(q("struktur"))
                    first.addprevious(rule) if first is not None else owner.append(rule)
        return etree.tostring(root, encoding="utf-8", xml_declaration=True)

    def check_text(self, rule_id: str, version: str, text: str):
        """A rule also present in an export: its text in `<ID>.md` is the export's."""
        real = self.known.get(("regel", rule_id, version))
        if real is None:
            return
        same = " ".join((real.findtext(q("freitextRegel")) or "").split()) == " ".join(text.split())
        self.counts["rule text as in an export" if same else "rule text differs"] += 1


def lowest_owners(schema, text: str) -> list:
    """The lowest groups under which every element the rule names occurs."""
    refs = set(REF.findall(text))
    if not refs:
        return []
    found = []
    for group in schema.iter(q("datenfeldgruppe")):
        below = {
            ident(element)[0]
            for element in group.iter(q("datenfeld"), q("datenfeldgruppe"))
            if element is not group
        }
        if refs <= below:
            found.append(group)
    chosen = set(found)
    return [
        g
        for g in found
        if not any(o is not g and o in chosen for o in g.iter(q("datenfeldgruppe")))
    ]


def outcomes(path: Path) -> dict[str, tuple[bool, bool]]:
    """Per rule id: (taken over in every use, scoreable = names no rebuilt field)."""
    tree = etree.fromstring(path.read_bytes())
    rebuilt_ids = set()
    for field in tree.iter(q("datenfeld")):
        if field.findtext(q("beschreibung")) == REBUILT:
            rebuilt_ids.add(ident(field)[0])
    texts = {
        ident(rule)[0]: rule.findtext(q("freitextRegel")) or "" for rule in tree.iter(q("regel"))
    }
    result = import_fim(path)
    taken: dict[str, bool] = {}
    for entry in result.report:
        if entry.kind in ("rule", "rule_applied"):
            taken[entry.fim_id] = taken.get(entry.fim_id, True) and entry.kind == "rule_applied"
    return {
        rule_id: (ok, not (set(REF.findall(texts.get(rule_id, ""))) & rebuilt_ids))
        for rule_id, ok in taken.items()
    }


def share(part: int, whole: int) -> str:
    return f"{part:>4} of {whole:<4} ({100 * part / whole:.1f} %)" if whole else "–"


def score(paths: list[Path]) -> dict:
    results = {}
    totals = Counter()
    print(f"{'schema':<28} {'rules taken over':<24} scoreable rules taken over")
    for path in paths:
        found = outcomes(path)
        results[path.name] = found
        rules = len(found)
        taken = sum(ok for ok, _ in found.values())
        scoreable = sum(sc for _, sc in found.values())
        taken_scoreable = sum(ok and sc for ok, sc in found.values())
        totals.update(rules=rules, taken=taken, sc=scoreable, sc_taken=taken_scoreable)
        print(f"{path.name[:28]:<28} {share(taken, rules):<24} {share(taken_scoreable, scoreable)}")
    print(
        f"{'all':<28} {share(totals['taken'], totals['rules']):<24} "
        f"{share(totals['sc_taken'], totals['sc'])}"
    )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["rebuild", "score", "validate"])
    parser.add_argument("ids", nargs="*")
    parser.add_argument("--derived", type=Path, help="fim_data/ of BUND-T/Prototype")
    parser.add_argument("--known", type=Path, help="folder of present XDatenfelder 3 files")
    parser.add_argument("--out", type=Path)
    args = parser.parse_intermixed_args(argv)
    setup_django()
    if args.command == "score":
        score([Path(name) for name in args.ids])
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    if args.command == "rebuild":
        rebuilder = Rebuilder(known_elements(args.known))
        for fim_id in args.ids:
            (args.out / f"{fim_id}.xdf.xml").write_bytes(rebuilder.rebuild(args.derived / fim_id))
        print(dict(rebuilder.counts))
        return 0
    # validate: every present export against its own rebuild.
    present = sorted(args.known.glob("*.xml"))
    rebuilt = []
    for path in present:
        fim_id = path.name.split(".")[0]
        rebuilder = Rebuilder(known_elements(args.known, exclude=fim_id))
        target = args.out / path.name
        target.write_bytes(rebuilder.rebuild(args.derived / fim_id))
        rebuilt.append(target)
    real, again = score(present), score(rebuilt)
    agreement = Counter()
    for name, found in again.items():
        for rule_id, (ok, scoreable) in found.items():
            truth = real[name].get(rule_id, (None,))[0]
            agreement[("scoreable" if scoreable else "names a rebuilt field", truth, ok)] += 1
    for (kind, truth, ok), count in sorted(agreement.items(), key=str):
        print(f"{kind:<24} real file: {truth!s:<5} rebuilt: {ok!s:<5} {count:>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
