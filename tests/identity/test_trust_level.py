"""Trust level per service (issue 15, parts 2 and 3): the cooperative's default per form,
the member's override, enforcement at the start and at the submit, the step-up offer, the
prefill from the BundID account and what the clerk sees. Logins go through the real
SimpleSAMLphp test IdP."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from openkommune.forms.models import FormDefinition
from openkommune.submissions.models import Application, Draft
from openkommune.submissions.services.trust import required_trust_level
from tests.cases.factories import clerk_of
from tests.submissions.factories import private_media  # noqa: F401
from tests.submissions.journey_support import (
    NACHWEISE,
    draft_id,
    fill_all,
    hund,
    offer_hundesteuer,
    start_url,
    step_url,
    submit,
)
from tests.support.bundid import full_login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

PLACE = {"plz": "39104", "ars": "150030000000"}


def require_hoch():
    FormDefinition.objects.filter(key="hundesteuer").update(min_trust_level=4)


def bundid_login(client, user: str, level: int):
    answer = full_login(client, user, level=level)
    assert answer["Location"] == "/konto/bundid/verknuepfen/"
    assert client.post("/konto/bundid/verknuepfen/", {"auswahl": "neu"}).status_code == 302


def test_required_level_is_the_forms_unless_the_member_overrides_it():
    class Activation:
        min_trust_level = None

    class Responsibility:
        activation = Activation()

    class Form:
        min_trust_level = 3

    assert required_trust_level(responsibility=Responsibility(), form=Form()) == 3
    Responsibility.activation.min_trust_level = 4
    assert required_trust_level(responsibility=Responsibility(), form=Form()) == 4
    Responsibility.activation.min_trust_level = 0
    assert required_trust_level(responsibility=Responsibility(), form=Form()) == 0


def test_start_page_says_an_online_id_is_needed(client):
    offer_hundesteuer()
    require_hoch()
    page = client.get(start_url(), PLACE).text
    assert "Anmeldung mit Online-Ausweis erforderlich" in page


def test_member_override_lowers_the_requirement(client):
    offer_hundesteuer(min_trust_level=0)
    require_hoch()
    page = client.get(start_url(), PLACE).text
    assert "Anmeldung mit Online-Ausweis erforderlich" not in page
    answer = client.post(start_url(), PLACE | {"email": "erika@example.org"})
    assert answer.status_code == 302


def test_without_bundid_the_start_offers_the_login_at_level_hoch(client):
    offer_hundesteuer()
    require_hoch()
    answer = client.post(start_url(), PLACE | {"email": "erika@example.org"})
    assert answer.status_code == 403
    page = answer.text
    assert "Anmeldung mit Online-Ausweis erforderlich" in page
    assert "/konto/bundid/anmelden/?niveau=4" in page
    assert not Draft.applicant_objects.exists()


def test_level_one_login_is_refused_with_a_step_up_offer(client, bundid):
    offer_hundesteuer()
    require_hoch()
    bundid_login(client, "untergeordnet", level=1)
    answer = client.post(start_url(), PLACE)
    assert answer.status_code == 403
    page = answer.text
    assert "Vertrauensniveau „Basisregistrierung“ angemeldet" in page
    assert 'id="step-up-login"' in page
    assert "niveau=4" in page
    assert not Draft.applicant_objects.exists()


def test_hoch_login_prefills_locked_values_submits_and_the_clerk_sees_them(client, bundid):
    tenant = offer_hundesteuer()
    require_hoch()
    bundid_login(client, "hoch", level=4)
    started = client.post(start_url(), PLACE)
    assert started.status_code == 302
    public_id = draft_id(started["Location"])
    draft = Draft.applicant_objects.get(public_id=public_id)
    assert draft.trust_level == 4
    assert draft.data["halter"]["vorname"] == "Erika"
    # BundID's birth date (1964-08-12 at the IdP) fills the applicant's birth date field.
    assert draft.data["halter"]["geburtsdatum"] == "12.08.1964"
    assert draft.data["halter"]["anschrift"] == {
        "street": "Heidestraße",
        "house_number": "17",
        "postcode": "51147",
        "city": "Köln",
    }
    assert draft.prefilled["halter.vorname"]["locked"] is True
    assert draft.identity_prefill["halter.geburtsdatum"] == {
        "value": "12.08.1964",
        "level": 4,
        "origin": "bundid",
    }
    step_page = client.get(step_url(public_id, "anliegen")).text
    assert "aus Ihrem BundID-Konto, bestätigt mit Ihrem Online-Ausweis" in step_page
    assert "Vorausgefüllt aus Ihrem BundID-Konto (bestätigt, nicht änderbar)." in step_page
    birth_input = re.search(r"<input[^>]*id=\"f-halter-geburtsdatum\"[^>]*>", step_page)
    assert birth_input
    assert "readonly" in birth_input.group(0)
    assert 'value="12.08.1964"' in birth_input.group(0)
    halter = {
        # A post cannot change what the online ID confirmed: the values are put back.
        "halter.vorname": "Eva",
        "halter.nachname": "Musterfrau",
        "halter.geburtsdatum": "01.01.1990",
        "halter.anschrift.street": "Andere Straße",
        "halter.anschrift.house_number": "1",
        "halter.anschrift.postcode": "39104",
        "halter.anschrift.city": "Magdeburg",
        "halter.email": "erika.privat@example.org",
    }
    for step_id, answers in (
        ("anliegen", {"anlass": "an"} | halter),
        ("hunde", hund() | NACHWEISE),
    ):
        response = client.post(step_url(public_id, step_id), answers)
        assert response.status_code == 302, response.text[-2000:]
    draft.refresh_from_db()
    assert draft.data["halter"]["vorname"] == "Erika"
    assert draft.data["halter"]["geburtsdatum"] == "12.08.1964"
    assert draft.data["halter"]["anschrift"]["city"] == "Köln"
    assert draft.data["halter"]["email"] == "erika.mustermann@demo.invalid"
    check_page = client.get(reverse("submissions:check", args=[public_id])).text
    assert "Sie haben die Angabe aus Ihrem BundID-Konto geändert" not in check_page
    assert submit(client, public_id).status_code == 303
    application = Application.applicant_objects.get(draft__public_id=public_id)
    assert application.trust_level == 4
    assert application.verified_fields["halter.vorname"] == {"level": 4, "origin": "bundid"}
    assert application.verified_fields["halter.geburtsdatum"] == {"level": 4, "origin": "bundid"}
    assert "halter.anschrift.city" in application.verified_fields
    assert "halter.email" in application.verified_fields

    clerk = clerk_of(tenant)
    client.force_login(clerk)
    case = application.case
    page = client.get(reverse("cases:case_detail", args=[case.public_id])).text
    assert "Vertrauensniveau „hoch“" in page
    assert 'id="identitaet-bestaetigt"' in page
    assert "bestätigt durch BundID" in page


def test_values_below_the_online_id_stay_editable_and_a_change_drops_the_claim(client, bundid):
    offer_hundesteuer()
    bundid_login(client, "substantiell", level=3)
    started = client.post(start_url(), PLACE)
    public_id = draft_id(started["Location"])
    draft = Draft.applicant_objects.get(public_id=public_id)
    assert draft.data["halter"]["vorname"] == "Susanne"
    assert draft.data["halter"]["geburtsdatum"] == "14.03.1985"
    assert draft.prefilled["halter.vorname"]["locked"] is False
    step_page = client.get(step_url(public_id, "anliegen")).text
    assert "Vorausgefüllt aus Ihrem BundID-Konto. Sie können die Angabe ändern." in step_page
    name_input = re.search(r"<input[^>]*id=\"f-halter-vorname\"[^>]*>", step_page)
    assert name_input
    assert "readonly" not in name_input.group(0)
    answers = {
        "anlass": "an",
        "halter.vorname": "Susanne",
        "halter.nachname": "Substantiell-Meyer",
        "halter.geburtsdatum": "14.03.1985",
        "halter.anschrift.street": "Marktstraße",
        "halter.anschrift.house_number": "3",
        "halter.anschrift.postcode": "53111",
        "halter.anschrift.city": "Bonn",
        "halter.email": "susanne.substantiell@demo.invalid",
    }
    assert client.post(step_url(public_id, "anliegen"), answers).status_code == 302
    assert client.post(step_url(public_id, "hunde"), hund() | NACHWEISE).status_code == 302
    draft.refresh_from_db()
    assert draft.data["halter"]["nachname"] == "Substantiell-Meyer"
    check_page = client.get(reverse("submissions:check", args=[public_id])).text
    assert "Nachname: Sie haben die Angabe aus Ihrem BundID-Konto geändert" in check_page
    assert submit(client, public_id).status_code == 303
    application = Application.applicant_objects.get(draft__public_id=public_id)
    assert application.verified_fields["halter.vorname"] == {"level": 3, "origin": "bundid"}
    assert application.verified_fields["halter.geburtsdatum"] == {"level": 3, "origin": "bundid"}
    assert "halter.nachname" not in application.verified_fields


def test_submit_checks_the_level_again(client, bundid):
    offer_hundesteuer()
    bundid_login(client, "hoch", level=4)
    started = client.post(start_url(), PLACE)
    public_id = draft_id(started["Location"])
    fill_all(client, public_id)
    # The cooperative raises the level meanwhile, and the applicant's session is a
    # password login now (level 0): the submit is refused with the step-up offer.
    require_hoch()
    session = client.session
    session["bundid_level"] = 0
    session.save()
    answer = submit(client, public_id)
    assert answer.status_code == 403
    assert "Anmeldung mit Online-Ausweis erforderlich" in answer.text
    assert not Application.applicant_objects.exists()


def test_cooperative_staff_set_the_forms_level_audited_and_seen_at_once(client):
    from openkommune.forms.services import form_min_trust_level_set
    from openkommune.tenancy.models import AuditRecord
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.accounts.factories import UserFactory

    offer_hundesteuer()
    # The start page is read through the read cache: the change must be seen at once.
    assert "Anmeldung mit Online-Ausweis" not in client.get(start_url(), PLACE).text
    staff = UserFactory(cooperative_staff=True)
    form = FormDefinition.objects.get(key="hundesteuer")
    form_min_trust_level_set(actor=staff, form=form, level=4)
    assert "Anmeldung mit Online-Ausweis erforderlich" in client.get(start_url(), PLACE).text
    with scopes_disabled():
        record = AuditRecord.objects.get(action="form.trust_level")
    assert record.before == {"min_trust_level": 0}
    assert record.after == {"min_trust_level": 4}
    clerk = UserFactory(clerk=True)
    with pytest.raises(PermissionDenied):
        form_min_trust_level_set(actor=clerk, form=form, level=0)
    assert FormDefinition.objects.get(key="hundesteuer").min_trust_level == 4


def test_api_refuses_a_service_that_requires_a_bundid_login(client):
    from tests.submissions.factories import MAGDEBURG_POSTCODE, make_offer

    offer = make_offer()
    FormDefinition.objects.filter(pk=offer.version.form_id).update(min_trust_level=3)
    response = client.post(
        "/api/v1/applications",
        {
            "form": "testantrag",
            "version": offer.version.number,
            "data": {"name": "Erika Mustermann", "hunde": [{"hund_name": "Bello"}]},
            "postcode": MAGDEBURG_POSTCODE,
            "email": "erika@example.org",
        },
        content_type="application/json",
        headers={"Idempotency-Key": "schluessel-1"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "trust_level_too_low"
    assert "„substanziell“" in response.json()["error"]["message"]
    assert not Application.applicant_objects.exists()


def service_url() -> str:
    from tests.submissions.journey_support import HUNDEHALTUNG

    return reverse("catalog:service", args=[HUNDEHALTUNG])


def test_service_page_names_the_level_before_the_start(client):
    offer_hundesteuer()
    page = client.get(service_url()).text
    assert 'id="antrag-beginnen"' in page
    assert 'id="vertrauensniveau"' not in page
    require_hoch()
    page = client.get(service_url()).text
    notice = page[page.index('id="vertrauensniveau"') : page.index('id="antrag-beginnen-form"')]
    assert "Anmeldung mit Online-Ausweis erforderlich" in notice
    assert "Für diesen Antrag brauchen Sie Ihr BundID-Konto und den Online-Ausweis" in notice
    FormDefinition.objects.filter(key="hundesteuer").update(min_trust_level=3)
    page = client.get(service_url()).text
    assert "Anmeldung mit BundID erforderlich" in page
    assert "Vertrauensniveau „substanziell“" in page
    # BundID's basic registration (user name and password, STORK-QAA-Level-1) meets no eIDAS
    # level: "niedrig" (Level-2) needs more than the password, Level-1 needs nothing more.
    FormDefinition.objects.filter(key="hundesteuer").update(min_trust_level=2)
    page = client.get(service_url()).text
    assert "Vertrauensniveau „niedrig“ oder höher" in page
    assert "Benutzername und Passwort genügen nicht" in page
    FormDefinition.objects.filter(key="hundesteuer").update(min_trust_level=1)
    page = client.get(service_url()).text
    assert "Basisregistrierung: Benutzername und Passwort genügen" in page


def test_service_page_shows_the_members_level_for_the_place(client):
    offer_hundesteuer(min_trust_level=4)
    # The form asks nothing; Magdeburg asks the online ID.
    page = client.get(service_url()).text
    assert 'id="vertrauensniveau-gemeinde"' in page
    assert "Anmeldung mit Online-Ausweis erforderlich" not in page
    page = client.get(service_url(), PLACE).text
    result = page[page.index('id="zustaendigkeit"') :]
    assert "Anmeldung mit Online-Ausweis erforderlich" in result
    assert result.index('id="vertrauensniveau"') < result.index('id="online-beantragen"')
