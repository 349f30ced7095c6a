"""The publish gate as a job (ADR 0036): axe-core on every page of the preview, progress on
the run, the result stored, publishing only with a passed run of exactly this definition, a
missing Chromium said clearly (and blocking), German explanations."""

import pytest
from django.core.exceptions import ValidationError

from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.engine import parse_definition
from openkommune.forms.services import form_version_submit_review
from openkommune.studio import axe
from openkommune.studio.constants import GateRunStatus
from openkommune.studio.models import GateRun
from openkommune.studio.preview_pages import example_answers, rendered_preview_pages
from openkommune.studio.services import (
    definition_sha256,
    gate_run_execute,
    gate_run_passed,
    gate_run_request,
    studio_edit,
    studio_publish,
)
from openkommune.tenancy.models import AuditRecord
from openkommune.tenancy.scoping import scopes_disabled
from tests.accounts.factories import UserFactory
from tests.forms.helpers import field, group
from tests.studio.helpers import draft, gate_passed, no_violations

pytestmark = pytest.mark.django_db

APPLICANT = {"name": "name", "email": "email"}


def _two_steps(actor, key="gate_test"):
    from openkommune.forms.services import form_version_create

    definition = {
        "format": 1,
        "key": key,
        "title": "Prüfformular",
        "leika_keys": ["99000000000000"],
        "applicant": APPLICANT,
        "code_lists": {"art": {"title": "Art", "entries": [
            {"code": "a", "label": "Erste"}, {"code": "b", "label": "Zweite"}]}},
        "steps": [
            {"id": "eins", "title": "Eins", "items": [
                field("name", required=True, label="Name"),
                field("email", "email", label="E-Mail-Adresse"),
                field("art", "choice", choices="art", label="Art", required=True),
            ]},
            {"id": "zwei", "title": "Zwei", "items": [
                group("kinder", [field("kind_name", label="Vorname des Kindes", required=True)],
                      title="Kind", repeat={"min": 1, "max": 3, "item_label": "Kind"},
                      visible_if={"field": "art", "equals": "b"}),
                field("nachweis", "file", label="Nachweis", accept=["application/pdf"]),
            ]},
        ],
    }  # fmt: skip
    return form_version_create(actor=actor, definition=definition, new_form=True)


def _violations(pages, on_page=None):
    results = no_violations(pages, on_page)
    results[0]["violations"] = [
        {
            "id": "label",
            "impact": "critical",
            "help": "Formularelemente müssen Beschriftungen haben.",
            "description": "Stellt sicher, dass jedes Formularelement eine Beschriftung hat.",
            "nodes": [{"target": "#f-name", "html": "<input>", "summary": "Beheben Sie …"}],
        }
    ]
    return results


def test_a_run_checks_every_preview_page_and_a_pass_opens_publishing():
    anna, ben = UserFactory(cooperative_staff=True), UserFactory(cooperative_staff=True)
    version = _two_steps(anna)
    form_version_submit_review(actor=anna, version=version)
    seen = []

    def runner(pages, on_page=None):
        seen.extend(page.title for page in pages)
        return no_violations(pages, on_page)

    run = gate_passed(ben, version, runner=runner)
    assert run.status == GateRunStatus.PASSED
    assert run.pages_done == run.pages_total == len(seen)
    # Both screens as first met and with their error messages, and the check page.
    assert seen == [
        "Schritt 1 „Eins“ mit Beispielantworten",
        "Schritt 1 „Eins“ mit Fehlermeldungen",
        "Schritt 2 „Zwei“ mit Beispielantworten",
        "Schritt 2 „Zwei“ mit Fehlermeldungen",
        "Prüfseite „Ihre Angaben“",
    ]
    assert run.definition_sha256 == definition_sha256(version.definition)
    assert [check["key"] for check in run.checks][:2] == ["schema", "labels"]
    studio_publish(actor=ben, version=version)
    version.refresh_from_db()
    assert version.status == FormVersionStatus.PUBLISHED
    with scopes_disabled():
        actions = set(
            AuditRecord.objects.filter(object_id=str(run.public_id)).values_list(
                "action", flat=True
            )
        )
    assert actions == {"studio.gate_run_requested", "studio.gate_run_finished"}


def test_the_example_answers_open_the_conditions_so_the_group_is_rendered():
    anna = UserFactory(cooperative_staff=True)
    version = _two_steps(anna)
    definition = parse_definition(version.definition)
    assert example_answers(definition)["art"] == "b"  # the value the condition asks for
    pages = rendered_preview_pages(version, definition)
    second = next(
        page for page in pages if page.title.startswith("Schritt 2") and "Beispiel" in page.title
    )
    assert "Vorname des Kindes" in second.html
    assert 'lang="de"' in second.html
    errors = next(page for page in pages if page.title == "Schritt 1 „Eins“ mit Fehlermeldungen")
    assert "Bitte geben Sie „Name“ an." in errors.html


def test_violations_fail_the_run_block_publishing_and_are_explained_in_german(client):
    anna, ben = UserFactory(cooperative_staff=True), UserFactory(cooperative_staff=True)
    version = _two_steps(anna)
    form_version_submit_review(actor=anna, version=version)
    run = gate_passed(ben, version, runner=_violations)
    assert run.status == GateRunStatus.FAILED
    assert gate_run_passed(version=version) is None
    with pytest.raises(ValidationError, match="keinen bestandenen Prüflauf"):
        studio_publish(actor=ben, version=version)
    client.force_login(ben)
    page = client.get(
        f"/genossenschaft/formular-studio/gate_test/1/pruefung/{run.public_id}/"
    ).content.decode()
    assert "Nicht bestanden" in page
    assert "Formularelemente müssen Beschriftungen haben." in page
    assert "kritisch" in page
    assert "#f-name" in page


def test_a_change_after_the_pass_needs_a_new_run():
    anna, ben = UserFactory(cooperative_staff=True), UserFactory(cooperative_staff=True)
    version = _two_steps(anna)
    gate_passed(ben, version)
    assert gate_run_passed(version=version) is not None
    changed = {**version.definition, "title": "Anders"}
    studio_edit(actor=anna, version=version, definition=changed, change="Titel")
    version.refresh_from_db()
    assert gate_run_passed(version=version) is None
    form_version_submit_review(actor=anna, version=version)
    with pytest.raises(ValidationError, match="genau diese Fassung"):
        studio_publish(actor=ben, version=version)


def test_a_run_of_a_definition_changed_while_it_waited_does_not_pass():
    anna = UserFactory(cooperative_staff=True)
    version = _two_steps(anna)
    run = gate_run_request(actor=anna, version=version)
    studio_edit(actor=anna, version=version,
                definition={**version.definition, "title": "Neu"}, change="Titel")  # fmt: skip
    run = gate_run_execute(run_public_id=str(run.public_id), runner=no_violations)
    assert run.status == GateRunStatus.ERROR
    assert "geändert" in run.error


def test_without_chromium_the_run_says_so_and_blocks(settings):
    settings.CHROMIUM_PATH = "/nicht/vorhanden/chromium"
    anna, ben = UserFactory(cooperative_staff=True), UserFactory(cooperative_staff=True)
    version = _two_steps(anna)
    form_version_submit_review(actor=anna, version=version)
    run = gate_run_request(actor=ben, version=version)
    run = gate_run_execute(run_public_id=str(run.public_id))  # the real runner
    assert run.status == GateRunStatus.ERROR
    assert "Chromium ist auf diesem Server nicht installiert" in run.error
    assert "/nicht/vorhanden/chromium" in run.error
    with pytest.raises(ValidationError):
        studio_publish(actor=ben, version=version)


def test_a_second_request_while_one_waits_returns_it_and_only_staff_may_ask():
    anna = UserFactory(cooperative_staff=True)
    version = _two_steps(anna)
    first = gate_run_request(actor=anna, version=version)
    assert gate_run_request(actor=anna, version=version) == first
    assert GateRun.objects.filter(version=version).count() == 1
    with pytest.raises(Exception, match="Genossenschaft"):
        gate_run_request(actor=UserFactory(), version=version)


def test_a_finished_run_is_not_run_again():
    anna = UserFactory(cooperative_staff=True)
    version = _two_steps(anna)
    run = gate_passed(anna, version)
    again = gate_run_execute(run_public_id=str(run.public_id), runner=_violations)
    assert again.status == GateRunStatus.PASSED


def test_a_failed_check_fails_the_run_even_without_violations():
    anna = UserFactory(cooperative_staff=True)
    version = draft(anna)  # no applicant marked: a check of the gate fails

    def runner(pages, on_page=None):
        return no_violations(pages, on_page)

    run = gate_passed(anna, version, runner=runner)
    assert run.status == GateRunStatus.FAILED
    applicant = next(check for check in run.checks if check["key"] == "applicant")
    assert "Antragstellerin ist nicht markiert" in " ".join(applicant["messages"])


def test_the_pages_start_a_run_and_show_its_progress(client, monkeypatch):
    anna = UserFactory(cooperative_staff=True)
    version = _two_steps(anna)
    client.force_login(anna)
    base = "/genossenschaft/formular-studio/gate_test/1/"
    assert "Für diese Version gab es noch keinen Prüflauf." in client.get(base).content.decode()
    response = client.post(base + "pruefung-starten/")
    run = GateRun.objects.get(version=version)
    assert response.status_code == 302
    assert response["Location"] == f"{base}pruefung/{run.public_id}/"
    waiting = client.get(response["Location"]).content.decode()
    assert "wartet" in waiting
    assert "Stand aktualisieren" in waiting
    assert "gate_progress.js" in waiting
    GateRun.objects.filter(pk=run.pk).update(
        status=GateRunStatus.RUNNING, pages_total=5, pages_done=2, current_page="Schritt 2"
    )
    state = client.get(f"{base}pruefung/{run.public_id}/stand/").json()
    assert state == {
        "status": "running", "status_label": "läuft", "finished": False,
        "pages_done": 2, "pages_total": 5, "current_page": "Schritt 2",
    }  # fmt: skip
    page = client.get(f"{base}pruefung/{run.public_id}/").content.decode()
    assert "Seite 2 von 5 geprüft" in page
    assert client.get(f"{base}pruefung/00000000-0000-0000-0000-000000000000/").status_code == 404
    client.force_login(UserFactory())
    assert client.post(base + "pruefung-starten/").status_code == 403


def test_axe_in_chromium_finds_nothing_on_the_preview_of_a_small_form():
    """The real thing: Chromium, axe-core with its German texts, the platform's CSS served
    through the browser's request routing. The preview pages are accessible."""
    anna = UserFactory(cooperative_staff=True)
    version = _two_steps(anna)
    run = gate_run_request(actor=anna, version=version)
    run = gate_run_execute(run_public_id=str(run.public_id))
    assert run.error == ""
    assert run.status == GateRunStatus.PASSED, run.pages
    assert run.pages_total == 5


def test_axe_reports_a_real_violation_in_german():
    page = axe.PageToCheck(
        "Probe",
        "/probe/",
        '<!doctype html><html lang="de"><head><title>Probe</title></head><body><main>'
        '<input type="text" id="x"></main></body></html>',
    )
    results = axe.run_axe([page])
    ids = {violation["id"] for violation in results[0]["violations"]}
    assert "label" in ids
    label = next(v for v in results[0]["violations"] if v["id"] == "label")
    assert "Beschriftung" in label["help"] or "beschrift" in label["help"].lower()
