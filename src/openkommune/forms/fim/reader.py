"""Reading FIM files safely: XDatenfelder 1.0/2.0/3.0 Stammdatenschema messages and genericode
code lists, into plain dataclasses. No mapping to our format here (that is `importer.py`).

There is no defusedxml in the project, so the standard library parser is hardened the same
way: any DTD (`<!DOCTYPE`) or entity declaration is refused, both by a look at the raw bytes
and by expat handlers that fire whatever the file's encoding (expat drives an ElementTree
TreeBuilder directly, because the C XMLParser does not expose those handlers). Without a
DTD there are no entities to expand (billion laughs) and nothing external to fetch.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from openkommune.core.errors import OfficialFileError

XDF1_NS = "urn:xoev-de:fim:standard:xdatenfelder_1"
XDF2_NS = "urn:xoev-de:fim:standard:xdatenfelder_2"
XDF3_NS_PREFIX = "urn:xoev-de:fim:standard:xdatenfelder_3"
XDF3_NS = "urn:xoev-de:fim:standard:xdatenfelder_3.0.0"
GENERICODE_NS = "http://docs.oasis-open.org/codelist/ns/genericode/1.0/"
SCHEMA_ROOT_PREFIX = "xdatenfelder.stammdatenschema."
MAX_FILE_BYTES = 20 * 1024 * 1024
_FORBIDDEN_MARKUP = (b"<!DOCTYPE", b"<!ENTITY")
# FIM writes "-" into fields that are empty on purpose.
_PLACEHOLDERS = {"", "-", "--", "n/a"}


class FimFileError(OfficialFileError):
    """A FIM file cannot be read: not XML, dangerous XML, not a Stammdatenschema, or an
    unsupported XDatenfelder version. The message is German."""


class _ForbiddenMarkup(Exception):
    pass


def _refuse(*_args):
    raise _ForbiddenMarkup


def parse_xml_safely(data: bytes, *, path=None) -> ET.Element:
    """The root element of `data`, refusing DTDs and entities. Raises FimFileError."""
    if not data or not data.strip():
        raise FimFileError("Die Datei ist leer.", path=path)
    if len(data) > MAX_FILE_BYTES:
        raise FimFileError(
            f"Die Datei ist größer als {MAX_FILE_BYTES // (1024 * 1024)} MB.", path=path
        )
    upper = data.upper()
    if any(marker in upper for marker in _FORBIDDEN_MARKUP):
        raise FimFileError(
            "Die Datei enthält eine DTD oder Entity-Deklaration (<!DOCTYPE/<!ENTITY); "
            "das ist in FIM-Dateien nicht vorgesehen und wird aus Sicherheitsgründen abgelehnt.",
            path=path,
        )
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    for handler in (
        "StartDoctypeDeclHandler",
        "EntityDeclHandler",
        "UnparsedEntityDeclHandler",
        "ExternalEntityRefHandler",
    ):
        setattr(parser, handler, _refuse)
    builder = ET.TreeBuilder()
    parser.StartElementHandler = lambda tag, attrs: builder.start(
        _clark(tag), {_clark(name): value for name, value in attrs.items()}
    )
    parser.EndElementHandler = lambda tag: builder.end(_clark(tag))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
        return builder.close()
    except _ForbiddenMarkup:
        raise FimFileError(
            "Die Datei enthält eine DTD oder Entity-Deklaration; das wird aus "
            "Sicherheitsgründen abgelehnt.",
            path=path,
        ) from None
    except expat.ExpatError as exc:
        raise FimFileError(
            f"Die Datei ist kein wohlgeformtes XML (Zeile {exc.lineno}, Spalte "
            f"{exc.offset + 1}: {expat.ErrorString(exc.code)}). Ist sie vollständig und "
            "wirklich eine XML-Datei?",
            path=path,
        ) from None


def _clark(name: str) -> str:
    # expat reports "uri}local"; ElementTree spells it "{uri}local".
    return "{" + name if "}" in name else name


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def clean_text(value: str | None) -> str:
    """Trimmed text with Windows line ends normalised; FIM's "-" placeholder becomes ''."""
    if value is None:
        return ""
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return "" if text.lower() in _PLACEHOLDERS else text


# --- The schema model ---------------------------------------------------------------------


@dataclass
class FimCodeListRef:
    fim_id: str = ""
    uri: str = ""
    version: str = ""
    version_uri: str = ""
    name: str = ""


@dataclass
class FimRule:
    fim_id: str
    name: str
    definition: str
    script: str
    owner: str  # dotted FIM path of the element the rule belongs to ("" for the schema)
    # XDatenfelder 3: the rule's `typ` (K komplex, M Multiplizität, V Validierung, B Berechnung)
    kind: str = ""


@dataclass
class FimElement:
    kind: str  # "field" or "group"
    fim_id: str
    version: str
    name: str
    label: str  # bezeichnungEingabe
    help: str  # hilfetextEingabe
    bezug: str
    anzahl: str
    path: str  # dotted FIM ids from the schema down, e.g. "G00000630.F00000043"
    struktur_bezug: str = ""  # the legal reference of this use of the element
    feldart: str = ""
    datentyp: str = ""
    praezisierung: str = ""
    inhalt: str = ""
    code_list: FimCodeListRef | None = None
    children: list[FimElement] = field(default_factory=list)
    rules: list[FimRule] = field(default_factory=list)
    # XDatenfelder 3 only: a select field's own values (`werte`, code and name), the
    # largest file (`maxSize`, bytes) and the media types a file field accepts.
    values: list[tuple[str, str]] = field(default_factory=list)
    max_size: int | None = None
    media_types: list[str] = field(default_factory=list)


@dataclass
class FimSchema:
    xdf_version: str  # "1" or "2"
    fim_id: str
    version: str
    name: str
    label: str
    help: str
    bezug: str
    children: list[FimElement]
    rules: list[FimRule]
    # Text of the schema's own descriptive elements, searched for LeiKa keys.
    metadata_text: str = ""
    # XDatenfelder 3 `relation`s of the schema: (praedikat code, id, version), e.g.
    # ("ERS", "S00000186", "1.0"): this schema replaces that one.
    relations: list[tuple[str, str, str]] = field(default_factory=list)


class _Reader:
    def __init__(self, namespace: str):
        self.ns = namespace

    def q(self, local: str) -> str:
        return f"{{{self.ns}}}{local}"

    def child(self, element: ET.Element, *names: str) -> ET.Element | None:
        node = element
        for name in names:
            node = node.find(self.q(name))
            if node is None:
                return None
        return node

    def text(self, element: ET.Element, *names: str) -> str:
        node = self.child(element, *names)
        return clean_text("".join(node.itertext())) if node is not None else ""

    def code(self, element: ET.Element, name: str) -> str:
        # Code values sit in an unqualified <code> child (XÖV code type).
        node = self.child(element, name)
        if node is None:
            return ""
        code = node.find("code")
        if code is None:
            code = node.find(self.q("code"))
        return clean_text(code.text if code is not None else node.text)

    def ident(self, element: ET.Element) -> tuple[str, str]:
        # 2.0: <identifikation><id/><version/></identifikation>; 1.0: <id/> directly.
        holder = self.child(element, "identifikation")
        if holder is None:
            holder = element
        return self.text(holder, "id"), self.text(holder, "version")

    def rules(self, element: ET.Element, owner: str) -> list[FimRule]:
        out = []
        for node in element.findall(self.q("regel")):
            fim_id, _version = self.ident(node)
            out.append(
                FimRule(
                    fim_id=fim_id,
                    name=self.text(node, "name"),
                    definition=self.text(node, "definition"),
                    script=self.text(node, "script"),
                    owner=owner,
                )
            )
        return out

    def code_list(self, element: ET.Element) -> FimCodeListRef | None:
        ref = self.child(element, "codelisteReferenz")
        if ref is not None:  # 2.0
            fim_id, _ = self.ident(ref)
            return FimCodeListRef(
                fim_id=fim_id,
                uri=self.text(ref, "genericodeIdentification", "canonicalIdentification"),
                version=self.text(ref, "genericodeIdentification", "version"),
                version_uri=self.text(ref, "genericodeIdentification", "canonicalVersionUri"),
            )
        ref = self.child(element, "codeliste")
        if ref is not None:  # 1.0
            fim_id, version = self.ident(ref)
            return FimCodeListRef(
                fim_id=fim_id,
                uri=self.text(ref, "kennung"),
                version=version,
                name=self.text(ref, "name"),
            )
        return None

    def structures(self, element: ET.Element, parent_path: str) -> list[FimElement]:
        out = []
        for struktur in element.findall(self.q("struktur")):
            anzahl = self.text(struktur, "anzahl")
            struktur_bezug = self.text(struktur, "bezug")
            enthaelt = self.child(struktur, "enthaelt")
            if enthaelt is None:
                continue
            for node in enthaelt:
                _ns, local = _split(node.tag)
                if local in ("datenfeld", "datenfeldgruppe"):
                    item = self.element(node, anzahl, parent_path)
                    item.struktur_bezug = struktur_bezug
                    out.append(item)
        return out

    def element(self, node: ET.Element, anzahl: str, parent_path: str) -> FimElement:
        fim_id, version = self.ident(node)
        path = f"{parent_path}.{fim_id}" if parent_path else fim_id
        _ns, local = _split(node.tag)
        item = FimElement(
            kind="group" if local == "datenfeldgruppe" else "field",
            fim_id=fim_id,
            version=version,
            name=self.text(node, "name"),
            label=self.text(node, "bezeichnungEingabe"),
            help=self.text(node, "hilfetextEingabe"),
            bezug=self.text(node, "bezug"),
            anzahl=anzahl,
            path=path,
            rules=self.rules(node, path),
        )
        if item.kind == "group":
            item.children = self.structures(node, path)
        else:
            item.feldart = self.code(node, "feldart")
            item.datentyp = self.code(node, "datentyp")
            node_p = self.child(node, "praezisierung")
            item.praezisierung = (node_p.text or "").strip() if node_p is not None else ""
            item.inhalt = self.text(node, "inhalt")
            item.code_list = self.code_list(node)
        return item


class _Reader3(_Reader):
    """XDatenfelder 3.0.0 where it differs from 2.0: the rule's text is `freitextRegel` and
    its script `skript` (with a `typ`), a code list reference names `canonicalIdentification`
    and `version` directly, a select field may carry its own `werte`, the Präzisierung is
    attributes instead of JSON text, file fields have `maxSize` and `mediaType`, and elements
    carry `relation`s (ERS ersetzt, ABL abgeleitet, EQU äquivalent)."""

    def rules(self, element: ET.Element, owner: str) -> list[FimRule]:
        out = []
        for node in element.findall(self.q("regel")):
            fim_id, _version = self.ident(node)
            out.append(
                FimRule(
                    fim_id=fim_id,
                    name=self.text(node, "name"),
                    definition=self.text(node, "freitextRegel") or self.text(node, "beschreibung"),
                    script=self.text(node, "skript"),
                    owner=owner,
                    kind=self.code(node, "typ"),
                )
            )
        return out

    def code_list(self, element: ET.Element) -> FimCodeListRef | None:
        ref = self.child(element, "codelisteReferenz")
        if ref is None:
            return None
        return FimCodeListRef(
            uri=self.text(ref, "canonicalIdentification"),
            version=self.text(ref, "version"),
            version_uri=self.text(ref, "canonicalVersionUri"),
        )

    def relations(self, element: ET.Element) -> list[tuple[str, str, str]]:
        out = []
        for node in element.findall(self.q("relation")):
            target = self.child(node, "objekt")
            if target is None:
                continue
            out.append(
                (
                    self.code(node, "praedikat"),
                    self.text(target, "id"),
                    self.text(target, "version"),
                )
            )
        return out

    def element(self, node: ET.Element, anzahl: str, parent_path: str) -> FimElement:
        item = super().element(node, anzahl, parent_path)
        if item.kind != "field":
            return item
        node_p = self.child(node, "praezisierung")
        item.praezisierung = _praezisierung_json(node_p) or item.praezisierung
        werte = self.child(node, "werte")
        if werte is not None:
            for wert in werte.findall(self.q("wert")):
                code = self.text(wert, "code")
                if code:
                    item.values.append((code, self.text(wert, "name") or code))
        size = self.text(node, "maxSize")
        if size.isdigit():
            item.max_size = int(size)
        item.media_types = [
            clean_text(media.text) for media in node.findall(self.q("mediaType")) if media.text
        ]
        return item


def _praezisierung_json(node: ET.Element | None) -> str:
    """XDatenfelder 3 keeps the Präzisierung in attributes; the importer reads the 2.0 JSON
    text, so the attributes become that text (unknown attributes included, so they are
    reported as unknown)."""
    if node is None or not node.attrib:
        return ""
    return json.dumps({_split(name)[1]: value for name, value in node.attrib.items()})


def read_schema(data: bytes, *, path=None) -> FimSchema:
    """An XDatenfelder 1.0, 2.0 or 3.0.0 Stammdatenschema message. Raises FimFileError."""
    root = parse_xml_safely(data, path=path)
    namespace, local = _split(root.tag)
    versions = {XDF1_NS: "1", XDF2_NS: "2", XDF3_NS: "3"}
    if namespace.startswith(XDF3_NS_PREFIX) and namespace != XDF3_NS:
        raise FimFileError(
            f"Die Datei ist im Format XDatenfelder 3, aber im Namensraum „{namespace}“; "
            f"eingelesen wird XDatenfelder 3.0.0 ({XDF3_NS}).",
            path=path,
        )
    if namespace not in versions:
        found = f"„{namespace}“" if namespace else "keinem"
        raise FimFileError(
            f"Das Wurzelelement „{local}“ steht im Namensraum {found}; erwartet wird "
            f"XDatenfelder 1.0 ({XDF1_NS}), 2.0 ({XDF2_NS}) oder 3.0.0 ({XDF3_NS}).",
            path=path,
        )
    if not local.startswith(SCHEMA_ROOT_PREFIX):
        raise FimFileError(
            f"Die Datei enthält die Nachricht „{local}“, kein Stammdatenschema "
            f"(erwartet: {SCHEMA_ROOT_PREFIX}…).",
            path=path,
        )
    reader = _Reader3(namespace) if versions[namespace] == "3" else _Reader(namespace)
    schema = reader.child(root, "stammdatenschema")
    if schema is None:
        raise FimFileError("Das Element „stammdatenschema“ fehlt.", path=path)
    fim_id, version = reader.ident(schema)
    header = reader.child(root, "header")
    if header is not None:
        # 1.0 keeps the schema's id and version in the header.
        fim_id = fim_id or reader.text(header, "fimId")
        version = version or reader.text(header, "version")
    metadata = [
        "".join(node.itertext())
        for node in schema
        if _split(node.tag)[1] not in ("struktur", "regel")
    ]
    return FimSchema(
        xdf_version=versions[namespace],
        fim_id=fim_id,
        version=version,
        name=reader.text(schema, "name"),
        # 3.0 calls the schema's label `bezeichnung`.
        label=reader.text(schema, "bezeichnungEingabe") or reader.text(schema, "bezeichnung"),
        help=reader.text(schema, "hilfetext") or reader.text(schema, "hilfetextEingabe"),
        bezug=reader.text(schema, "bezug"),
        children=reader.structures(schema, ""),
        rules=reader.rules(schema, ""),
        metadata_text="\n".join(metadata),
        relations=reader.relations(schema) if isinstance(reader, _Reader3) else [],
    )


# --- genericode code lists ----------------------------------------------------------------


@dataclass
class GenericodeList:
    uri: str
    version: str
    version_uri: str
    name: str
    entries: list[tuple[str, str]]
    path: str = ""
    long_name: str = ""


_LABEL_COLUMN = re.compile(r"name|bezeichnung|beschreibung|wert|label|text", re.IGNORECASE)


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    """Children named `name` in the genericode namespace or in none: the FIM repository's
    export qualifies them (`gc:Identification`), XRepository's files do not."""
    return [child for child in element if _split(child.tag)[1] == name]


def _first(element: ET.Element | None, name: str) -> ET.Element | None:
    if element is None:
        return None
    found = _children(element, name)
    return found[0] if found else None


def _first_text(element: ET.Element | None, name: str) -> str:
    node = _first(element, name)
    return clean_text("".join(node.itertext())) if node is not None else ""


def read_genericode(data: bytes, *, path=None) -> GenericodeList:
    """A genericode 1.0 code list (as XRepository and FIM exports deliver them).

    The code column is the one the first key names; the label column the first other
    column whose name says it is a name or description, else the first other column.
    Child elements are read with or without the genericode namespace.
    """
    root = parse_xml_safely(data, path=path)
    namespace, local = _split(root.tag)
    if namespace != GENERICODE_NS or local != "CodeList":
        raise FimFileError(
            "Die Datei ist keine genericode-Codeliste (erwartet: das Element „CodeList“ im "
            f"Namensraum {GENERICODE_NS}).",
            path=path,
        )
    ident = _first(root, "Identification")
    if ident is None:
        raise FimFileError("Der Codeliste fehlt „Identification“.", path=path)
    column_set = _first(root, "ColumnSet")
    columns = []
    key_refs = []
    if column_set is not None:
        for column in _children(column_set, "Column"):
            columns.append((column.get("Id", ""), _first_text(column, "ShortName")))
        for key in _children(column_set, "Key"):
            key_refs.extend(ref.get("Ref", "") for ref in _children(key, "ColumnRef"))
    if not columns:
        raise FimFileError("Die Codeliste beschreibt keine Spalten („ColumnSet“).", path=path)
    code_column = key_refs[0] if key_refs else columns[0][0]
    others = [(cid, short) for cid, short in columns if cid != code_column]
    label_column = next(
        (cid for cid, short in others if _LABEL_COLUMN.search(f"{cid} {short}")),
        others[0][0] if others else code_column,
    )
    entries = []
    for simple in _children(root, "SimpleCodeList"):
        for row in _children(simple, "Row"):
            values = {}
            for value in _children(row, "Value"):
                values[value.get("ColumnRef", "")] = _first_text(value, "SimpleValue")
            code = values.get(code_column, "")
            if code:
                entries.append((code, values.get(label_column) or code))
    return GenericodeList(
        uri=_first_text(ident, "CanonicalUri"),
        version=_first_text(ident, "Version"),
        version_uri=_first_text(ident, "CanonicalVersionUri"),
        name=_first_text(ident, "ShortName") or _first_text(ident, "LongName"),
        entries=entries,
        path=str(path or ""),
        long_name=_first_text(ident, "LongName"),
    )


def find_genericode_files(folders) -> list[Path]:
    """XML files in `folders` (not recursive) that declare the genericode namespace."""
    found = []
    marker = GENERICODE_NS.encode()
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for candidate in sorted(folder.iterdir()):
            if candidate.suffix.lower() not in (".xml", ".gc") or not candidate.is_file():
                continue
            with candidate.open("rb") as handle:
                head = handle.read(4096)
            if marker in head:
                found.append(candidate)
    return found
