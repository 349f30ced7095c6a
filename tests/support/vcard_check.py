"""A strict check of vCard 4.0 text against RFC 6350, for the tests of "Ins Adressbuch
exportieren". The vCard parsers on PyPI (vobject 0.9) know versions 2.1 and 3.0 only, so
this parses the grammar of RFC 6350 section 3.3 itself and checks what a 4.0 card must be:

- CRLF line endings, no line longer than 75 octets, folding by CRLF + one space/tab (3.2);
- BEGIN:VCARD, then VERSION:4.0 directly, END:VCARD last; exactly one card;
- every content line `[group.]name *(;param) : value`, names and parameters by the ABNF;
- FN at least once; VERSION, KIND, N, UID, REV, PRODID at most once (6.x cardinalities);
- text values: no unescaped comma in single-text properties (3.4), valid escapes only;
- ADR with exactly seven components, TEL as `tel:` URI when VALUE=uri, KIND one of the
  registered kinds, REV as a UTC timestamp, EMAIL with one "@".
Returns the parsed properties: [(name, params dict, value)].
"""

from __future__ import annotations

import re

NAME = re.compile(r"^(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)$")
PARAM_NAME = re.compile(r"^[A-Za-z0-9-]+$")
# param-value = *SAFE-CHAR / DQUOTE *QSAFE-CHAR DQUOTE (RFC 6350 3.3)
SAFE = r'[^\x00-\x08\x0a-\x1f\x7f";:,]*'
QSAFE = r'"[^\x00-\x08\x0a-\x1f\x7f"]*"'
PARAM_VALUE = re.compile(rf"^(?:{QSAFE}|{SAFE})$")
KNOWN = {
    "BEGIN",
    "END",
    "VERSION",
    "SOURCE",
    "KIND",
    "XML",
    "FN",
    "N",
    "NICKNAME",
    "PHOTO",
    "BDAY",
    "ANNIVERSARY",
    "GENDER",
    "ADR",
    "TEL",
    "EMAIL",
    "IMPP",
    "LANG",
    "TZ",
    "GEO",
    "TITLE",
    "ROLE",
    "LOGO",
    "ORG",
    "MEMBER",
    "RELATED",
    "CATEGORIES",
    "NOTE",
    "PRODID",
    "REV",
    "SOUND",
    "UID",
    "CLIENTPIDMAP",
    "URL",
    "KEY",
    "FBURL",
    "CALADRURI",
    "CALURI",
}
AT_MOST_ONCE = {"VERSION", "KIND", "N", "UID", "REV", "PRODID", "BDAY", "ANNIVERSARY", "GENDER"}
SINGLE_TEXT = {"FN", "NOTE", "TITLE", "ROLE", "PRODID"}
KINDS = {"individual", "group", "org", "location"}


class InvalidVCard(AssertionError):
    pass


def split_unescaped(value: str, separator: str) -> list[str]:
    parts, current, escaped = [], "", False
    for char in value:
        if escaped:
            current += "\\" + char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append(current)
            current = ""
        else:
            current += char
    if escaped:
        raise InvalidVCard("value ends with a lone backslash")
    parts.append(current)
    return parts


def unescape(value: str) -> str:
    out, i = "", 0
    while i < len(value):
        if value[i] == "\\":
            nxt = value[i + 1 : i + 2]
            if nxt not in {"\\", ",", ";", "n", "N"}:
                raise InvalidVCard(f"invalid escape \\{nxt!r}")
            out += "\n" if nxt in "nN" else nxt
            i += 2
        else:
            out += value[i]
            i += 1
    return out


def _split_params(text: str) -> list[str]:
    """Split `name;p=v;p="a;b"` at semicolons outside quotes."""
    parts, current, quoted = [], "", False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    if quoted:
        raise InvalidVCard("unterminated quoted parameter")
    parts.append(current)
    return parts


def _colon_outside_quotes(line: str) -> int:
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return index
    raise InvalidVCard(f"no ':' in content line {line!r}")


def parse_strict(data: bytes) -> list[tuple[str, dict[str, str], str]]:
    text = data.decode("utf-8")
    if not text.endswith("\r\n"):
        raise InvalidVCard("the card must end with CRLF")
    physical = text[:-2].split("\r\n")
    for line in physical:
        if "\n" in line or "\r" in line:
            raise InvalidVCard("bare LF or CR: lines must end with CRLF")
        if len(line.encode("utf-8")) > 75:
            raise InvalidVCard(f"line longer than 75 octets: {line!r}")
    logical: list[str] = []
    for line in physical:
        if line[:1] in {" ", "\t"}:
            if not logical:
                raise InvalidVCard("continuation line before any content line")
            logical[-1] += line[1:]
        else:
            logical.append(line)
    properties = []
    for line in logical:
        colon = _colon_outside_quotes(line)
        head, value = line[:colon], line[colon + 1 :]
        name_part, *param_parts = _split_params(head)
        match = NAME.match(name_part)
        if not match:
            raise InvalidVCard(f"invalid property name {name_part!r}")
        name = match.group(1).upper()
        if name not in KNOWN and not name.startswith("X-"):
            raise InvalidVCard(f"unknown property {name}")
        params: dict[str, str] = {}
        for param in param_parts:
            if "=" not in param:
                raise InvalidVCard(f"parameter without value: {param!r}")
            pname, pvalue = param.split("=", 1)
            if not PARAM_NAME.match(pname):
                raise InvalidVCard(f"invalid parameter name {pname!r}")
            for single in _split_params_values(pvalue):
                if not PARAM_VALUE.match(single):
                    raise InvalidVCard(f"invalid parameter value {single!r}")
            params[pname.upper()] = pvalue
        if re.search(r"[\x00-\x08\x0a-\x1f\x7f]", value):
            raise InvalidVCard(f"control character in the value of {name}")
        properties.append((name, params, value))
    _check_structure(properties)
    return properties


def _split_params_values(value: str) -> list[str]:
    if value.startswith('"'):
        return [value]
    return value.split(",")


def _check_structure(properties) -> None:
    names = [name for name, _params, _value in properties]
    if names[:2] != ["BEGIN", "VERSION"] or properties[0][2].upper() != "VCARD":
        raise InvalidVCard("a card starts with BEGIN:VCARD and VERSION directly after it")
    if properties[1][2] != "4.0":
        raise InvalidVCard(f"VERSION is {properties[1][2]!r}, not 4.0")
    if names[-1] != "END" or properties[-1][2].upper() != "VCARD":
        raise InvalidVCard("a card ends with END:VCARD")
    if names.count("BEGIN") != 1 or names.count("END") != 1:
        raise InvalidVCard("exactly one card expected")
    if "FN" not in names:
        raise InvalidVCard("FN is required")
    for name in AT_MOST_ONCE:
        if names.count(name) > 1:
            raise InvalidVCard(f"{name} may appear at most once")
    for name, params, value in properties:
        if name in SINGLE_TEXT:
            if len(split_unescaped(value, ",")) != 1:
                raise InvalidVCard(f"unescaped comma in the text of {name}")
            unescape(value)
        if name == "ORG":
            for part in split_unescaped(value, ";"):
                unescape(part)
        if name == "ADR":
            components = split_unescaped(value, ";")
            if len(components) != 7:
                raise InvalidVCard(f"ADR has {len(components)} components, not 7")
            for component in components:
                unescape(component)
        if name == "KIND" and value.lower() not in KINDS:
            raise InvalidVCard(f"unknown KIND {value!r}")
        is_uri = params.get("VALUE", "uri").lower() == "uri"
        if name == "TEL" and is_uri and not re.fullmatch(r"tel:\+[0-9][0-9-]{5,}", value):
            raise InvalidVCard(f"TEL is not a global tel: URI: {value!r}")
        if name == "REV" and not re.fullmatch(r"\d{8}T\d{6}Z", value):
            raise InvalidVCard(f"REV is not a UTC timestamp: {value!r}")
        if name == "EMAIL" and unescape(value).count("@") != 1:
            raise InvalidVCard(f"EMAIL is not an address: {value!r}")
        if name == "UID" and not re.fullmatch(r"[a-z][a-z0-9+.-]*:\S+", value, re.I):
            raise InvalidVCard(f"UID is not a URI: {value!r}")


def value_of(properties, name: str) -> str:
    return next(value for pname, _params, value in properties if pname == name)
