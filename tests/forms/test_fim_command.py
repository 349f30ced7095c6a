"""`manage.py import_fim`: dry run, draft with stored import report, publishing, JSON
output, repeated runs, option errors."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.engine import parse_definition
from openkommune.forms.models import FormDefinition, FormVersion
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.forms.fim_samples.builders import field, genericode, schema

FIM_DIR = Path(settings.DATA_DIR) / "fim-stammdatenschemata"
BLAUE_KARTE = FIM_DIR / "S00000121_V1.0_Antrag_Blaue_Karte_EU.xdf2.xml"
LEIKA = "99010014001001"  # Blaue Karte EU Erteilung (OZG/LeiKa catalogue)

pytestmark = pytest.mark.django_db


def run(*args, **options) -> str:
    out = StringIO()
    call_command("import_fim", *map(str, args), stdout=out, **options)
    return out.getvalue()


def test_dry_run_prints_report_and_writes_nothing(tmp_path):
    target = tmp_path / "blaue_karte.json"
    output = run(BLAUE_KARTE, "--leika", LEIKA, "--dry-run", "--output", target)
    assert not FormDefinition.objects.filter(key="antrag_blaue_karte_eu").exists()
    assert (
        "FIM-Stammdatenschema S00000121 Version 1.0 (XDatenfelder 2): Antrag Blaue Karte EU"
        in output
    )
    assert "Formular „antrag_blaue_karte_eu“: Antrag auf Blaue Karte EU" in output
    # The catalogue (imported for the test session) knows the key and names it.
    assert f"  {LEIKA}: Blaue Karte EU Erteilung" in output
    assert "  1. Allgemeine Angaben (allgemeine_angaben): 11 Felder" in output
    assert "88 Felder (davon 0 Hinweistexte)" in output
    assert "3 Regeln übernommen, 0 Regeln nicht übernommen" in output
    assert "Importbericht: 16 Annäherungen, 0 ausgelassen" in output
    assert (
        "[Regel übernommen] G00000636 (g00000636_angaben_zur_krankenversicherung): Regel R00000254"
        in output
    )
    assert "[Bezug]" not in output  # references are counted, not listed
    assert "Probelauf: nichts in der Datenbank gespeichert." in output
    written = json.loads(target.read_text(encoding="utf-8"))
    assert written["key"] == "antrag_blaue_karte_eu"
    parse_definition(written)


def test_import_creates_a_draft_with_the_report():
    output = run(BLAUE_KARTE, "--leika", LEIKA)
    assert "„antrag_blaue_karte_eu“ Version 1 angelegt (Entwurf)." in output
    version = FormVersion.objects.get(form__key="antrag_blaue_karte_eu")
    assert version.status == FormVersionStatus.DRAFT
    assert version.form.leika_keys == [LEIKA]
    assert version.definition["source"]["fim_id"] == "S00000121"
    kinds = {entry["kind"] for entry in version.import_report}
    assert kinds == {"approximation", "rule_applied", "reference", "applicant", "code_list"}
    assert "[Antragsteller]" in output
    rule = next(e for e in version.import_report if e["kind"] == "rule_applied")
    assert rule["fim_id"].startswith("R")
    assert rule["path"]
    assert rule["message"]
    with scopes_disabled():  # cooperative data: audited without a tenant
        audit = AuditRecord.objects.filter(action="form_version.create", tenant=None)
        assert next(r.after["key"] for r in audit if r.actor is None) == "antrag_blaue_karte_eu"


def test_repeated_import_is_unchanged_and_publish_publishes():
    run(BLAUE_KARTE, "--leika", LEIKA)
    again = run(BLAUE_KARTE, "--leika", LEIKA)
    assert "Unverändert: „antrag_blaue_karte_eu“ Version 1 (Entwurf)" in again
    published = run(BLAUE_KARTE, "--leika", LEIKA, "--publish")
    assert "Version 1 hatte schon diese Definition; jetzt veröffentlicht." in published
    version = FormVersion.objects.get(form__key="antrag_blaue_karte_eu")
    assert version.status == FormVersionStatus.PUBLISHED
    assert version.data_schema["type"] == "object"
    assert FormVersion.objects.filter(form__key="antrag_blaue_karte_eu").count() == 1


def test_changed_schema_becomes_the_next_version(tmp_path):
    first = tmp_path / "v1.xml"
    first.write_bytes(schema([field("F90000001", "Name")], bezug="LeiKa 99089086000000"))
    run(first, "--publish")
    second = tmp_path / "v2.xml"
    second.write_bytes(schema([field("F90000001", "Name"), field("F90000002", "Ort")],
                              bezug="LeiKa 99089086000000"))  # fmt: skip
    output = run(second, "--publish")
    assert "„testschema“ Version 2 angelegt (veröffentlicht)." in output
    numbers = FormVersion.objects.filter(form__key="testschema").values_list("number", "status")
    assert sorted(numbers) == [(1, "published"), (2, "published")]


def test_key_option_and_leika_from_the_schema(tmp_path):
    path = tmp_path / "s.xml"
    path.write_bytes(schema([field("F90000001", "Name")], bezug="LeiKa 99089086000000"))
    output = run(path, "--key", "wbk_test")
    assert "LeiKa-Schlüssel (aus dem Schema): 99089086000000" in output
    assert FormDefinition.objects.get(key="wbk_test").leika_keys == ["99089086000000"]


def test_code_lists_option(tmp_path):
    lists = tmp_path / "listen"
    lists.mkdir()
    (lists / "farbe.xml").write_bytes(genericode("urn:test:farbe", "1", [("r", "Rot")]))
    path = tmp_path / "s.xml"
    path.write_bytes(schema([field("F90000001", "Farbe", feldart="select",
                                   codeliste=("urn:test:farbe", "1"))]))  # fmt: skip
    run(path, "--leika", LEIKA, "--codelists", lists, "--key", "farbtest")
    definition = FormVersion.objects.get(form__key="farbtest").definition
    assert definition["code_lists"]["farbe"]["entries"] == [{"code": "r", "label": "Rot"}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([BLAUE_KARTE], "Kein LeiKa-Schlüssel im Schema; bitte mit --leika angeben."),
        ([BLAUE_KARTE, "--leika", "12345"], "„12345“ ist kein LeiKa-Schlüssel"),
        ([BLAUE_KARTE, "--leika", LEIKA, "--key", "Blaue Karte"], "Der Schlüssel „Blaue Karte“"),
        ([BLAUE_KARTE, "--leika", LEIKA, "--dry-run", "--publish"], "schließen sich aus"),
        ([FIM_DIR / "fehlt.xml", "--leika", LEIKA], "Datei nicht gefunden"),
        ([BLAUE_KARTE, "--leika", LEIKA, "--codelists", FIM_DIR / "fehlt"], "nicht gefunden"),
        ([BLAUE_KARTE, "--leika", LEIKA, "--output", "/nonexistent/dir/x.json"],
         "Ordner für --output nicht gefunden"),
    ],
)  # fmt: skip
def test_option_errors_write_nothing(args, message):
    before = FormVersion.objects.count()
    with pytest.raises(CommandError, match=message) as exc:
        run(*args)
    assert exc.value.returncode == 2
    assert FormVersion.objects.count() == before
