"""Builders for the FIM import tests: small XDatenfelder 2.0 schemas for edge cases (clearly
test data: schema "Testschema", ids S99999999, F9…/G9…), genericode code lists, and valid
sample data for a form definition."""

from __future__ import annotations

import re
import uuid
from xml.sax.saxutils import escape

XDF1 = "urn:xoev-de:fim:standard:xdatenfelder_1"
XDF2 = "urn:xoev-de:fim:standard:xdatenfelder_2"
GC = "http://docs.oasis-open.org/codelist/ns/genericode/1.0/"

# Real code lists of schema S00000186 (Anzeige Tätigkeiten mit Asbest), values as bundled
# with that schema in github.com/fusion-jena/GerPS-Datafield,
# Ontologie/Data/S00000186v1.0_xdf2/1127.xml and 1131.xml (commit d4ced01b). Only these
# few values are reproduced, to test the code list mapping against the real references.
ASBEST_CODE_LISTS = {
    "urn:de:fim:codeliste:sicherheitstechnischeeinrichtungen": (
        "2020-10-05",
        [
            ("01", "Raumlufttechnische Anlage mit Abluftfilterung zur Unterdruckhaltung"),
            ("02", "Personal-Dekontaminationsanlage (Anforderungen in Nummer 14.2 TRGS 519)"),
            ("03", "Material-Dekontaminationsanlagen (Anforderungen in Nummer 14.3 TRGS)"),
            ("04", "Hochleistungsvakuumsauggerät"),
            ("05", "Unterdrucküberwachungsgerät"),
            ("06", "Spritzgerät zum Aufbringen von Faserbindemittel"),
            ("07", "Industriestaubsauger nach Anlage 7.1 TRGS 519"),
            ("99", "Sonstige Einrichtung"),
        ],
    ),
    "urn:de:fim:codeliste:erfüllungteilweise": (
        "2020-10-02",
        [("01", "erfüllt"), ("02", "teilweise erfüllt")],
    ),
}


def genericode(uri: str, version: str, rows, *, short_name: str = " ") -> bytes:
    """A genericode 1.0 code list in the shape the FIM repository exports."""
    body = "".join(
        f'<gc:Row><gc:Value ColumnRef="code"><gc:SimpleValue>{escape(code)}</gc:SimpleValue>'
        f'</gc:Value><gc:Value ColumnRef="name"><gc:SimpleValue>{escape(label)}'
        "</gc:SimpleValue></gc:Value></gc:Row>"
        for code, label in rows
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><gc:CodeList xmlns:gc="{GC}">'
        f"<gc:Identification><gc:ShortName>{escape(short_name)}</gc:ShortName>"
        f"<gc:LongName></gc:LongName><gc:Version>{version}</gc:Version>"
        f"<gc:CanonicalUri>{escape(uri)}</gc:CanonicalUri>"
        f"<gc:CanonicalVersionUri>{escape(uri)}_{version}</gc:CanonicalVersionUri>"
        '</gc:Identification><gc:ColumnSet><gc:Column Id="code" Use="required">'
        '<gc:ShortName>Code</gc:ShortName><gc:Data Type="string"/></gc:Column>'
        '<gc:Column Id="name" Use="required"><gc:ShortName>Name</gc:ShortName>'
        '<gc:Data Type="string"/></gc:Column><gc:Key Id="codeKey"><gc:ShortName>CodeKey'
        '</gc:ShortName><gc:ColumnRef Ref="code"/></gc:Key></gc:ColumnSet>'
        f"<gc:SimpleCodeList>{body}</gc:SimpleCodeList></gc:CodeList>"
    ).encode()


def write_asbest_code_lists(folder) -> None:
    for number, (uri, (version, rows)) in enumerate(ASBEST_CODE_LISTS.items()):
        (folder / f"codeliste_{number}.xml").write_bytes(genericode(uri, version, rows))


def _code(name: str, value: str) -> str:
    return f'<xdf:{name} listURI="urn:xoev-de:fim:codeliste:xdatenfelder.{name}" ' \
        f'listVersionID="1.0"><code>{escape(value)}</code></xdf:{name}>'  # fmt: skip


def field(
    fim_id: str,
    name: str,
    *,
    anzahl: str = "1:1",
    feldart: str = "input",
    datentyp: str = "text",
    praezisierung: str = "",
    label: str | None = None,
    help: str = "",
    inhalt: str = "",
    bezug: str = "",
    codeliste: tuple[str, str] | None = None,
    regel: str = "",
) -> str:
    """One <struktur> with a Datenfeld (XDatenfelder 2.0)."""
    code_list = ""
    if codeliste:
        uri, version = codeliste
        code_list = (
            "<xdf:codelisteReferenz><xdf:identifikation><xdf:id>C99999999</xdf:id>"
            "</xdf:identifikation><xdf:genericodeIdentification>"
            f"<xdf:canonicalIdentification>{escape(uri)}</xdf:canonicalIdentification>"
            f"<xdf:version>{version}</xdf:version><xdf:canonicalVersionUri>{escape(uri)}_"
            f"{version}</xdf:canonicalVersionUri></xdf:genericodeIdentification>"
            "</xdf:codelisteReferenz>"
        )
    return (
        f"<xdf:struktur><xdf:anzahl>{escape(anzahl)}</xdf:anzahl><xdf:bezug/><xdf:enthaelt>"
        f"<xdf:datenfeld><xdf:identifikation><xdf:id>{fim_id}</xdf:id><xdf:version>1.0"
        f"</xdf:version></xdf:identifikation><xdf:name>{escape(name)}</xdf:name>"
        f"<xdf:bezeichnungEingabe>{escape(name if label is None else label)}"
        f"</xdf:bezeichnungEingabe><xdf:beschreibung/><xdf:definition/>"
        f"<xdf:bezug>{escape(bezug)}</xdf:bezug>{_code('status', 'aktiv')}"
        f"{_code('schemaelementart', 'RNG')}<xdf:hilfetextEingabe>{escape(help)}"
        f"</xdf:hilfetextEingabe><xdf:hilfetextAusgabe/>{_code('feldart', feldart)}"
        f"{_code('datentyp', datentyp)}<xdf:praezisierung>{escape(praezisierung)}"
        f"</xdf:praezisierung><xdf:inhalt>{escape(inhalt)}</xdf:inhalt>{code_list}{regel}"
        "</xdf:datenfeld></xdf:enthaelt></xdf:struktur>"
    )


def group(fim_id: str, name: str, children: list[str], *, anzahl: str = "1:1", regel="") -> str:
    return (
        f"<xdf:struktur><xdf:anzahl>{escape(anzahl)}</xdf:anzahl><xdf:bezug/><xdf:enthaelt>"
        f"<xdf:datenfeldgruppe><xdf:identifikation><xdf:id>{fim_id}</xdf:id><xdf:version>"
        f"1.0</xdf:version></xdf:identifikation><xdf:name>{escape(name)}</xdf:name>"
        f"<xdf:bezeichnungEingabe>{escape(name)}</xdf:bezeichnungEingabe><xdf:beschreibung/>"
        f"<xdf:definition/><xdf:bezug/>{_code('status', 'aktiv')}"
        f"{_code('schemaelementart', 'RNG')}<xdf:hilfetextEingabe/><xdf:hilfetextAusgabe/>"
        f"{regel}{''.join(children)}</xdf:datenfeldgruppe></xdf:enthaelt></xdf:struktur>"
    )


def rule(fim_id: str, name: str, definition: str, script: str = "") -> str:
    return (
        f"<xdf:regel><xdf:identifikation><xdf:id>{fim_id}</xdf:id><xdf:version>1.0"
        f"</xdf:version></xdf:identifikation><xdf:name>{escape(name)}</xdf:name>"
        f"<xdf:bezeichnungEingabe/><xdf:beschreibung/><xdf:definition>{escape(definition)}"
        f"</xdf:definition><xdf:bezug/>{_code('status', 'aktiv')}<xdf:script>"
        f"{escape(script)}</xdf:script></xdf:regel>"
    )


def schema(
    children: list[str],
    *,
    name: str = "Testschema",
    fim_id: str = "S99999999",
    bezug: str = "",
    extra: str = "",
    namespace: str = XDF2,
    root: str = "xdatenfelder.stammdatenschema.0102",
    version: str = "1.0",
) -> bytes:
    """A complete XDatenfelder 2.0 Stammdatenschema message around `children`."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><xdf:{root} xmlns:xdf="{namespace}">'
        "<xdf:header><xdf:nachrichtID>TEST</xdf:nachrichtID><xdf:erstellungszeitpunkt>"
        "2024-01-01T00:00:00Z</xdf:erstellungszeitpunkt></xdf:header><xdf:stammdatenschema>"
        f"<xdf:identifikation><xdf:id>{fim_id}</xdf:id><xdf:version>{escape(version)}"
        f"</xdf:version></xdf:identifikation><xdf:name>{escape(name)}</xdf:name>"
        "<xdf:bezeichnungEingabe>"
        f"{escape(name)}</xdf:bezeichnungEingabe><xdf:beschreibung/><xdf:definition/>"
        f"<xdf:bezug>{escape(bezug)}</xdf:bezug>{_code('status', 'aktiv')}{extra}"
        f"{''.join(children)}</xdf:stammdatenschema></xdf:{root}>"
    ).encode()


# --- valid sample data --------------------------------------------------------------------

_TEXT_CANDIDATES = ("01234", "12345", "Ab", "Beispieltext", "A", "a1", "Testwert 1")


def _text_value(field: dict) -> str:
    low, high = field.get("min_length", 1), field.get("max_length", 10_000)
    pattern = field.get("pattern")
    for candidate in _TEXT_CANDIDATES:
        if low <= len(candidate) <= high and (not pattern or re.fullmatch(pattern, candidate)):
            return candidate
    raise AssertionError(f"no sample text for {field['id']} ({pattern!r})")


def sample_value(field: dict, code_lists: dict):
    kind = field["type"]
    if kind in ("text", "textarea"):
        return _text_value(field)
    if kind == "email":
        return "antrag@example.org"
    if kind == "phone":
        return "+49 391 1234567"
    if kind == "iban":
        return "DE89370400440532013000"  # the documented example IBAN
    if kind == "date":
        return field.get("min") if isinstance(field.get("min"), str) else "2024-03-15"
    if kind == "boolean":
        return True
    if kind == "integer":
        return int(field.get("min", 1))
    if kind == "decimal":
        return str(field.get("min", "1.5"))
    if kind == "money":
        return "12.50"
    if kind == "choice":
        return code_lists[field["choices"]]["entries"][0]["code"]
    if kind == "multichoice":
        return [code_lists[field["choices"]]["entries"][0]["code"]]
    if kind == "file":
        return str(uuid.UUID(int=1))
    raise AssertionError(f"no sample for type {kind}")


def sample_data(definition: dict) -> dict:
    """Data that fills every field (and one entry of every repeated group, or its minimum)."""
    code_lists = definition.get("code_lists", {})

    def fill(items) -> dict:
        out = {}
        for item in items:
            if item["kind"] == "group":
                if "repeat" in item:
                    count = max(1, item["repeat"]["min"])
                    out[item["id"]] = [fill(item["items"]) for _ in range(count)]
                else:
                    out[item["id"]] = fill(item["items"])
            elif item["type"] != "info":
                out[item["id"]] = sample_value(item, code_lists)
        return out

    data = {}
    for step in definition["steps"]:
        data.update(fill(step["items"]))
    return data


def import_with_rules(children, texts, *, leika_keys, code_lists=None):
    """Imports a schema of `children` with one FIM rule per text of `texts`; the import's
    result and its parsed definition."""
    from openkommune.forms.engine import parse_definition
    from openkommune.forms.fim.importer import import_schema

    extra = "".join(rule(f"R9000000{n}", f"Regel {n}", text) for n, text in enumerate(texts, 1))
    result = import_schema(
        schema(children, extra=extra), leika_keys=leika_keys, code_lists=code_lists
    )
    return result, parse_definition(result.definition)


def applied(result) -> list[str]:
    """The FIM ids of the rules the import took over."""
    return [entry.fim_id for entry in result.report if entry.kind == "rule_applied"]


def refused(result) -> list[str]:
    """The report's messages of the rules the import did not take over."""
    return [entry.message for entry in result.report if entry.kind == "rule"]
