"""Malformed and hostile input: the importer answers with a clear German error, reads no
external resources, expands no entities, and the command writes nothing (exit code 2)."""

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from openkommune.forms.fim import reader as fim_xml
from openkommune.forms.fim.importer import FimFileError, import_schema
from openkommune.forms.models import FormDefinition
from tests.forms.fim_samples.builders import XDF1, field, schema

REAL = (
    Path(settings.DATA_DIR)
    / "fim-stammdatenschemata"
    / ("S00000121_V1.0_Antrag_Blaue_Karte_EU.xdf2.xml")
)
LEIKA = ["99010014001001"]

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<xdf:xdatenfelder.stammdatenschema.0102 xmlns:xdf="urn:xoev-de:fim:standard:xdatenfelder_2">
<xdf:stammdatenschema><xdf:name>&lol4;</xdf:name></xdf:stammdatenschema>
</xdf:xdatenfelder.stammdatenschema.0102>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<xdf:xdatenfelder.stammdatenschema.0102 xmlns:xdf="urn:xoev-de:fim:standard:xdatenfelder_2">
<xdf:stammdatenschema><xdf:name>&secret;</xdf:name></xdf:stammdatenschema>
</xdf:xdatenfelder.stammdatenschema.0102>"""


def _error(data: bytes) -> str:
    with pytest.raises(FimFileError) as exc:
        import_schema(data, leika_keys=LEIKA)
    return str(exc.value)


@pytest.mark.parametrize("data", [b"", b"   \n\t"])
def test_empty_file(data):
    assert _error(data) == "Die Datei ist leer."


def test_truncated_real_file():
    data = REAL.read_bytes()
    message = _error(data[: len(data) // 2])
    assert message.startswith("Die Datei ist kein wohlgeformtes XML (Zeile ")


def test_not_xml_at_all():
    assert "kein wohlgeformtes XML" in _error(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")


def test_wrong_namespace():
    data = REAL.read_bytes().replace(b"xdatenfelder_2", b"xdatenfelder_9")
    message = _error(data)
    assert "urn:xoev-de:fim:standard:xdatenfelder_9" in message
    assert "erwartet wird XDatenfelder 1.0" in message


def test_no_namespace():
    assert "im Namensraum keinem" in _error(b"<stammdatenschema><name>X</name></stammdatenschema>")


def test_another_xdatenfelder_3_namespace_is_named():
    # 3.0.0 is read (tests/forms/test_fim_xdf3.py); another 3.x is refused by name.
    data = schema(
        [field("F90000001", "Name")], namespace="urn:xoev-de:fim:standard:xdatenfelder_3.1.0"
    )
    assert "XDatenfelder 3" in _error(data)


def test_wrong_root_element():
    data = schema([field("F90000001", "Name")], root="xdatenfelder.datenfeldgruppe.0103")
    assert "„xdatenfelder.datenfeldgruppe.0103“, kein Stammdatenschema" in _error(data)


def test_version_1_root_with_version_2_content_is_read_as_version_1():
    # The version follows the namespace; a 1.0 file has no <identifikation>, which the
    # reader handles (ids then come from <id>), so nothing crashes.
    data = schema([field("F90000001", "Name")], namespace=XDF1,
                  root="xdatenfelder.stammdatenschema.0102001")  # fmt: skip
    result = import_schema(data, leika_keys=LEIKA)
    assert result.definition["source"]["xdatenfelder_version"] == "1"


def test_missing_stammdatenschema_element():
    data = (b'<xdf:xdatenfelder.stammdatenschema.0102 xmlns:xdf="urn:xoev-de:fim:standard:'
            b'xdatenfelder_2"><xdf:header/></xdf:xdatenfelder.stammdatenschema.0102>')  # fmt: skip
    assert _error(data) == "Das Element „stammdatenschema“ fehlt."


def test_billion_laughs_is_refused_before_expansion():
    started = time.monotonic()
    message = _error(BILLION_LAUGHS)
    assert "DTD oder Entity-Deklaration" in message
    assert time.monotonic() - started < 1


def test_external_entity_is_refused_and_never_read():
    message = _error(EXTERNAL_ENTITY)
    assert "DTD" in message
    assert "root:" not in message


def test_doctype_in_utf16_is_refused_by_the_parser_handlers():
    # The byte check cannot see "<!DOCTYPE" in UTF-16; the expat handlers still refuse it.
    text = EXTERNAL_ENTITY.decode().replace(
        '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>'
    )
    data = text.encode("utf-16")
    assert b"<!DOCTYPE" not in data.upper()
    assert "DTD oder Entity-Deklaration" in _error(data)


def test_oversized_file(monkeypatch):
    monkeypatch.setattr(fim_xml, "MAX_FILE_BYTES", 1000)
    assert "größer als" in _error(REAL.read_bytes())


def test_error_names_the_file():
    with pytest.raises(FimFileError) as exc:
        import_schema(b"<x", path="antrag.xml", leika_keys=LEIKA)
    assert str(exc.value).startswith("antrag.xml: Die Datei ist kein wohlgeformtes XML")


# --- the command writes nothing and exits with 2 ------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Die Datei ist leer."),
        (b"<xdf:a", "kein wohlgeformtes XML"),
        (BILLION_LAUGHS, "DTD oder Entity-Deklaration"),
        (b'<a xmlns="urn:example"/>', "erwartet wird XDatenfelder"),
    ],
)
def test_command_refuses_bad_files(tmp_path, content, message):
    path = tmp_path / "schema.xml"
    path.write_bytes(content)
    before = FormDefinition.objects.count()
    with pytest.raises(CommandError, match=message) as exc:
        call_command("import_fim", str(path), "--leika", LEIKA[0], verbosity=0)
    assert exc.value.returncode == 2
    assert str(exc.value).startswith("Nichts importiert: ")
    assert FormDefinition.objects.count() == before


def test_exit_code_on_the_command_line(tmp_path, capsys):
    from openkommune.forms.management.commands.import_fim import Command

    path = tmp_path / "schema.xml"
    path.write_bytes(b"<kaputt")
    with pytest.raises(SystemExit) as exc:
        Command().run_from_argv(["openkommune", "import_fim", str(path), "--skip-checks"])
    assert exc.value.code == 2
    assert "kein wohlgeformtes XML" in capsys.readouterr().err
