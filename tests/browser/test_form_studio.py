"""Form studio (issue 18): a staff member builds a two-step form with a repeated group, a
condition and an upload in the browser, previews it as a citizen and gives it to review; a
second staff member runs the publish gate (axe-core on every preview page, a job) and
publishes it (four eyes); a citizen then applies with it in Magdeburg, file and all. Every
page is checked with axe-core (WCAG 2.1 AA)."""

import re

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in

KEY = "browser_kita"
# Kindertagesstätte Aufnahme (OZG 10019 Kindertagesbetreuung): no shipped form covers it.
KITA_LEIKA = "99041004034000"
KITA_OZG = "10019"


@pytest.fixture
def second_staff(django_db_blocker, committed_cooperative_staff):
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.accounts.factories import UserFactory

    with django_db_blocker.unblock(), scopes_disabled():
        user = UserFactory(cooperative_staff=True, email="browser.staff2@test.example.org")
    yield user
    with django_db_blocker.unblock(), scopes_disabled():
        user.delete()


@pytest.fixture
def kita_offer(django_db_blocker, committed_hundesteuer_offer):
    """Magdeburg (committed), which switches Kindertagesbetreuung on once the form is
    published (`activate()`); uploads go to a temporary folder and jobs (the gate run,
    e-mails) run at once (the Hundesteuer offer's settings)."""
    from openkommune.catalog.models import ServiceActivation
    from openkommune.catalog.selectors import ozg_leistung_get
    from openkommune.catalog.services import service_activation_set
    from openkommune.tenancy.scoping import scopes_disabled

    member = committed_hundesteuer_offer

    def activate():
        with django_db_blocker.unblock(), scopes_disabled():
            service_activation_set(
                tenant=member,
                actor=None,
                ozg_leistung=ozg_leistung_get(ozg_id=KITA_OZG),
                is_active=True,
                contact_email="demo-kita@example.org",
                fee=None,
            )

    member.activate = activate
    yield member
    with django_db_blocker.unblock(), scopes_disabled():
        from tests.browser.conftest import _delete_applications_of

        _delete_applications_of(member)
        ServiceActivation.objects.filter(tenant=member, ozg_leistung__ozg_id=KITA_OZG).delete()


@pytest.fixture
def studio_cleanup(django_db_blocker):
    """Removes the form, its versions and gate runs; set up before `kita_offer`, so it runs
    after the applications pinned to the version are gone."""
    yield
    from openkommune.forms.models import FormDefinition, FormVersion
    from openkommune.studio.models import GateRun
    from openkommune.tenancy.models import AuditRecord
    from openkommune.tenancy.scoping import scopes_disabled

    with django_db_blocker.unblock(), scopes_disabled():
        runs = GateRun.objects.filter(version__form__key=KEY)
        AuditRecord.objects.filter(
            tenant=None, object_id__in=[str(r.public_id) for r in runs]
        )._raw_delete(using="default")
        runs.delete()
        versions = FormVersion.objects.filter(form__key=KEY)
        forms = FormDefinition.objects.filter(key=KEY)
        ids = [
            str(pk)
            for pk in [*versions.values_list("pk", flat=True), *forms.values_list("pk", flat=True)]
        ]
        AuditRecord.objects.filter(tenant=None, object_id__in=ids)._raw_delete(using="default")
        versions.delete()
        forms.delete()


def _save(page):
    page.locator("#studio-form").get_by_role("button", name="Speichern").click()


def test_build_preview_review_gate_publish_with_a_second_person_and_apply(
    page, committed_cooperative_staff, second_staff, studio_cleanup, kita_offer,
    django_db_blocker, tmp_path,
):  # fmt: skip
    log_in(page, committed_cooperative_staff)
    page.goto("/genossenschaft/formular-studio/")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Neues Formular anlegen").click()
    form = page.locator("#studio-form")
    form.get_by_label("Schlüssel des Formulars").fill(KEY)
    form.get_by_label("Titel des Formulars").fill("Kita-Platz (Browsertest)")
    form.get_by_label("LeiKa-Schlüssel").fill(KITA_LEIKA)
    form.get_by_label("Überschrift des ersten Schritts").fill("Antragsteller")
    form.get_by_label("Erstes Feld: Bezeichnung").fill("Name")
    form.get_by_label("Erstes Feld: Art").select_option(label="Text (eine Zeile)")
    assert_no_axe_violations(page)
    form.get_by_role("button", name="Formular anlegen").click()
    page.wait_for_url(re.compile(rf"/formular-studio/{KEY}/1/$"))
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Feld zu „Antragsteller“ hinzufügen").click()
    form = page.locator("#studio-form")
    form.get_by_label("Frage oder Bezeichnung").fill("E-Mail-Adresse")
    form.get_by_label("Art des Felds").select_option(label="E-Mail-Adresse")
    form.get_by_label("Pflichtfeld", exact=False).check()
    assert_no_axe_violations(page)
    _save(page)
    page.wait_for_url(re.compile(rf"/{KEY}/1/"))

    page.get_by_role("link", name="Schritt hinzufügen").click()
    form = page.locator("#studio-form")
    form.get_by_label("Überschrift des Schritts").fill("Kinder")
    form.get_by_label("Erstes Feld des Schritts: Bezeichnung").fill("Geschwister in der Kita?")
    form.get_by_label("Erstes Feld des Schritts: Art").select_option(label="Ja/Nein")
    _save(page)
    page.wait_for_url(re.compile(rf"/{KEY}/1/"))

    page.get_by_role("link", name="Gruppe zu „Kinder“ hinzufügen").click()
    form = page.locator("#studio-form")
    form.get_by_label("Überschrift der Gruppe").fill("Kind")
    form.get_by_label("Wiederholbar", exact=False).check()
    form.get_by_label("Mindestens Einträge", exact=False).fill("1")
    form.get_by_label("Höchstens Einträge", exact=False).fill("3")
    form.get_by_label("Bezeichnung eines Eintrags", exact=False).fill("Kind")
    form.get_by_label("Erstes Feld der Gruppe: Bezeichnung").fill("Vorname des Kindes")
    form.get_by_label("Erstes Feld der Gruppe: Art").select_option(label="Text (eine Zeile)")
    form.get_by_label("Bedingung 1: Feld", exact=False).select_option(
        label="Kinder: Geschwister in der Kita?"
    )
    form.get_by_label("Bedingung 1: Vergleich", exact=False).select_option(label="ist gleich")
    form.get_by_label("Bedingung 1: Wert", exact=False).fill("ja")
    assert_no_axe_violations(page)
    _save(page)
    page.wait_for_url(re.compile(rf"/{KEY}/1/"))
    assert "wiederholbar, 1 bis 3 Einträge" in page.locator("main").inner_text()

    # An upload: a PDF as proof, on the second step.
    page.get_by_role("link", name="Feld zu „Kinder“ hinzufügen").click()
    form = page.locator("#studio-form")
    form.get_by_label("Frage oder Bezeichnung").fill("Nachweis der Geschwister")
    form.get_by_label("Art des Felds").select_option(label="Datei hochladen")
    form.get_by_label("PDF", exact=True).check()
    assert_no_axe_violations(page)
    _save(page)
    page.wait_for_url(re.compile(rf"/{KEY}/1/"))
    assert "Nachweis der Geschwister" in page.locator("main").inner_text()

    page.get_by_role("link", name="Titel, LeiKa und Antragstellerin bearbeiten").click()
    form = page.locator("#studio-form")
    form.get_by_label("Name in einem Feld", exact=False).select_option(label="Antragsteller: Name")
    form.get_by_label("E-Mail-Adresse (für Bestätigung", exact=False).select_option(
        label="Antragsteller: E-Mail-Adresse"
    )
    assert_no_axe_violations(page)
    _save(page)
    page.wait_for_url(re.compile(rf"/{KEY}/1/"))
    assert "nicht bestanden" not in page.locator("#pruefungen").inner_text()

    # Preview as a citizen: both screens, the condition and the repeated group.
    page.get_by_role("link", name="Vorschau als Bürgerin oder Bürger").click()
    assert_no_axe_violations(page)
    page.get_by_label("Name").fill("Erika Mustermann")
    page.get_by_label("E-Mail-Adresse").fill("erika@example.org")
    page.locator("#weiter").click()
    page.wait_for_url(re.compile(r"schritt=kinder"))
    page.get_by_label("Ja").check()
    page.get_by_label("Vorname des Kindes").fill("Paul")
    assert_no_axe_violations(page)
    page.locator("#weiter").click()
    page.wait_for_url(re.compile(r"schritt=_pruefen"))
    assert "Paul" in page.locator("main").inner_text()
    assert_no_axe_violations(page)

    page.goto(f"/genossenschaft/formular-studio/{KEY}/1/")
    page.get_by_role("button", name="Zur Prüfung geben").click()
    page.wait_for_url(re.compile(rf"/{KEY}/1/"))
    assert "in Prüfung" in page.locator("#status").inner_text()
    assert page.get_by_role("link", name="Veröffentlichen").count() == 0  # four eyes
    page.get_by_role("button", name="Abmelden").click()

    log_in(page, second_staff)
    page.goto(f"/genossenschaft/formular-studio/{KEY}/1/")
    # Without a passed gate run the publish page says it is blocked.
    page.get_by_role("link", name="Veröffentlichen").click()
    assert "Gesperrt" in page.locator("#pruefung-fehlt").inner_text()
    page.goto(f"/genossenschaft/formular-studio/{KEY}/1/")
    # The gate: a job runs axe-core in Chromium on every page of the preview.
    page.get_by_role("button", name="Prüfung starten").click()
    page.wait_for_url(re.compile(rf"/{KEY}/1/pruefung/[0-9a-f-]{{36}}/$"))
    page.wait_for_function(
        "() => !document.getElementById('pruefung-fortschritt')", timeout=120_000
    )
    result = page.locator("#pruefung-ergebnis").inner_text()
    assert result.startswith("Bestanden"), page.locator("main").inner_text()
    assert "Prüfseite" in page.locator("#barrierefreiheit").inner_text()
    assert_no_axe_violations(page)
    page.goto(f"/genossenschaft/formular-studio/{KEY}/1/")
    assert page.locator("#pruefung-bestanden").count() == 1
    page.get_by_role("link", name="Veröffentlichen").click()
    assert page.locator("#pruefung-fehlt").count() == 0
    assert_no_axe_violations(page)
    page.locator("#bestaetigung-form").get_by_role("button", name="Veröffentlichen").click()
    page.wait_for_url(re.compile(rf"/formular-studio/{KEY}/$"))
    row = page.locator("table tr").filter(has_text="Version 1")
    assert "veröffentlicht" in row.inner_text()
    assert_no_axe_violations(page)
    from openkommune.forms.models import FormVersion

    with django_db_blocker.unblock():
        version = FormVersion.objects.get(form__key=KEY, number=1)
    assert version.status == "published"
    assert version.published_by_id == second_staff.pk
    assert version.edited_by_id == committed_cooperative_staff.pk

    # Magdeburg switches the service on (possible now that the platform has a published
    # form for it); a citizen applies with the new form: two screens, the condition, the
    # repeated group and the upload, then the check page and the receipt.
    kita_offer.activate()
    page.get_by_role("button", name="Abmelden").click()
    page.goto(f"/leistungen/{KITA_OZG}/")
    page.locator("#antrag-plz").fill("39104")
    page.locator("#antrag-beginnen").click()
    page.wait_for_url(re.compile(r"/antrag/entwurf/[0-9a-f-]{36}/antragsteller/$"))
    assert_no_axe_violations(page)
    page.get_by_label("Name").fill("Erika Mustermann (Test)")
    page.get_by_label("E-Mail-Adresse").fill("erika.kita@example.org")
    page.locator("#weiter").click()
    page.wait_for_url(re.compile(r"/kinder/$"))
    page.get_by_label("Ja").check()
    page.get_by_label("Vorname des Kindes").fill("Paul")
    from weasyprint import HTML

    proof = tmp_path / "geschwister.pdf"
    proof.write_bytes(HTML(string="<h1>Nachweis Geschwister (Test)</h1>").write_pdf())
    page.get_by_label("Nachweis der Geschwister").set_input_files(str(proof))
    assert_no_axe_violations(page)
    page.locator("#weiter").click()
    page.wait_for_url(re.compile(r"/pruefen/$"))
    answers = page.locator("main").inner_text()
    assert "Paul" in answers
    assert "geschwister.pdf" in answers
    assert_no_axe_violations(page)
    page.locator("#absenden").click()
    page.wait_for_url(re.compile(r"/antrag/\d{4}-[A-Z0-9]{2}-[A-Z0-9]{4}-[A-Z0-9]{4}/eingang/$"))
    reference = page.locator("#aktenzeichen").inner_text().strip()
    assert_no_axe_violations(page)
    from openkommune.submissions.models import Application

    with django_db_blocker.unblock():
        application = Application.applicant_objects.get(reference=reference)
    assert application.form_version_id == version.pk
    assert application.tenant_id == kita_offer.pk
    assert application.data["kind"][0]["vorname_des_kindes"] == "Paul"
    assert application.data["nachweis_der_geschwister"]


FIM_KEY = "browser_fim_blaue_karte"


@pytest.fixture
def fim_cleanup(django_db_blocker, settings):
    """Jobs (the gate run) run at once, as in the Hundesteuer offer's settings; afterwards
    the form, its versions and gate runs are removed."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    yield
    from openkommune.forms.models import FormDefinition, FormVersion
    from openkommune.studio.models import GateRun
    from openkommune.tenancy.models import AuditRecord
    from openkommune.tenancy.scoping import scopes_disabled

    with django_db_blocker.unblock(), scopes_disabled():
        runs = GateRun.objects.filter(version__form__key=FIM_KEY)
        AuditRecord.objects.filter(
            tenant=None, object_id__in=[str(r.public_id) for r in runs]
        )._raw_delete(using="default")
        runs.delete()
        versions = FormVersion.objects.filter(form__key=FIM_KEY)
        forms = FormDefinition.objects.filter(key=FIM_KEY)
        ids = [
            str(pk)
            for pk in [*versions.values_list("pk", flat=True), *forms.values_list("pk", flat=True)]
        ]
        AuditRecord.objects.filter(tenant=None, object_id__in=ids)._raw_delete(using="default")
        versions.delete()
        forms.delete()


def test_fim_upload_shows_the_report_and_a_rule_as_condition_in_the_preview_and_publishes(
    page, committed_cooperative_staff, second_staff, fim_cleanup, django_db_blocker
):
    from pathlib import Path

    from django.conf import settings

    schema = Path(settings.DATA_DIR) / "fim-stammdatenschemata"
    schema /= "S00000121_V1.0_Antrag_Blaue_Karte_EU.xdf2.xml"
    log_in(page, committed_cooperative_staff)
    page.goto("/genossenschaft/formular-studio/")
    page.get_by_role("link", name="FIM-Stammdatenschema importieren").click()
    assert_no_axe_violations(page)
    form = page.locator("#fim-import")
    form.get_by_label(re.compile("Stammdatenschema")).set_input_files(schema)
    form.get_by_label("LeiKa-Schlüssel").fill("99010014001001")
    form.get_by_label("Schlüssel des Formulars").fill(FIM_KEY)
    form.get_by_role("button", name="Importieren").click()
    assert page.locator("#regeln-zusammenfassung").inner_text() == (
        "3 Regeln übernommen, 0 Regeln nicht übernommen"
    )
    assert_no_axe_violations(page)
    # The rule "Krankenversicherungsträger only if Krankenversicherung vorhanden" is a
    # condition: the preview page of its step says when the field is needed.
    from openkommune.forms.models import FormVersion

    with django_db_blocker.unblock():
        definition = FormVersion.objects.get(form__key=FIM_KEY).definition
    step_id = next(
        step["id"]
        for step in definition["steps"]
        if "f00001028_krankenversicherungstraeger" in str(step["items"])
    )
    page.get_by_role("link", name=re.compile("Zu Version 1")).click()
    page.goto(page.url + f"vorschau/?neu=1&schritt={step_id}")
    hint = page.get_by_text(
        "Nur nötig, wenn Sie bei „Besteht Krankenversicherungsschutz für die Bundesrepublik "
        "Deutschland?“ „Ja“ angegeben haben."
    )
    assert hint.count() >= 1
    assert_no_axe_violations(page)

    # The gate blocks the import as it is, in German: the applicant has a name but no way
    # to reach her. The editor adds an e-mail field and marks it as hers.
    version_url = f"/genossenschaft/formular-studio/{FIM_KEY}/1/"
    page.goto(version_url)
    gate = page.locator("#pruefungen").inner_text()
    assert "nicht bestanden" in gate
    assert "Die Antragstellerin ist nicht erreichbar" in gate
    page.get_by_role("link", name="Feld zu „Allgemeine Angaben“ hinzufügen").click()
    form = page.locator("#studio-form")
    form.get_by_label("Frage oder Bezeichnung").fill("E-Mail-Adresse")
    form.get_by_label("Art des Felds").select_option(label="E-Mail-Adresse")
    form.get_by_label("Pflichtfeld", exact=False).check()
    _save(page)
    page.wait_for_url(re.compile(rf"/{FIM_KEY}/1/"))
    page.get_by_role("link", name="Titel, LeiKa und Antragstellerin bearbeiten").click()
    form = page.locator("#studio-form")
    form.get_by_label("E-Mail-Adresse (für Bestätigung", exact=False).select_option(
        label="Allgemeine Angaben: E-Mail-Adresse"
    )
    assert_no_axe_violations(page)
    _save(page)
    page.wait_for_url(re.compile(rf"/{FIM_KEY}/1/"))
    assert "nicht bestanden" not in page.locator("#pruefungen").inner_text()

    page.get_by_role("button", name="Zur Prüfung geben").click()
    page.wait_for_url(re.compile(rf"/{FIM_KEY}/1/"))
    assert "in Prüfung" in page.locator("#status").inner_text()
    assert page.get_by_role("link", name="Veröffentlichen").count() == 0  # four eyes
    page.get_by_role("button", name="Abmelden").click()

    # A second person runs the gate (axe-core in Chromium on every preview page, a job)
    # and publishes.
    log_in(page, second_staff)
    page.goto(version_url)
    # Jobs run at once here: the click returns when the whole run (every page) is done.
    page.get_by_role("button", name="Prüfung starten").click(no_wait_after=True)
    page.wait_for_url(re.compile(rf"/{FIM_KEY}/1/pruefung/[0-9a-f-]{{36}}/$"), timeout=240_000)
    page.wait_for_function(
        "() => !document.getElementById('pruefung-fortschritt')", timeout=240_000
    )
    result = page.locator("#pruefung-ergebnis").inner_text()
    assert result.startswith("Bestanden"), page.locator("main").inner_text()
    assert_no_axe_violations(page)
    page.goto(version_url)
    assert page.locator("#pruefung-bestanden").count() == 1
    page.get_by_role("link", name="Veröffentlichen").click()
    assert page.locator("#pruefung-fehlt").count() == 0
    page.locator("#bestaetigung-form").get_by_role("button", name="Veröffentlichen").click()
    page.wait_for_url(re.compile(rf"/formular-studio/{FIM_KEY}/$"))
    assert "veröffentlicht" in page.locator("table tr").filter(has_text="Version 1").inner_text()
    assert_no_axe_violations(page)
    with django_db_blocker.unblock():
        version = FormVersion.objects.get(form__key=FIM_KEY, number=1)
    assert version.status == "published"
    assert version.published_by_id == second_staff.pk
    assert version.edited_by_id == committed_cooperative_staff.pk
