import datetime

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in


@pytest.fixture
def committed_register(django_db_blocker):
    from tests.members.factories import MemberContactFactory, member_with_period

    with django_db_blocker.unblock():
        member = member_with_period(
            organisation__name="Browser-Testgemeinde",
            is_founding_member=True,
            is_demo=True,
            shares_count=5,
            joined_on=datetime.date(2009, 12, 22),
        )
        MemberContactFactory(member=member, name="Interne Browser-Person")
    yield member
    with django_db_blocker.unblock():
        organisation = member.organisation
        member.delete()
        organisation.delete()


def test_public_register_and_detail_are_accessible(page, committed_register):
    page.goto("/genossenschaft/mitglieder/")
    assert page.locator("h1").count() == 1
    main = page.locator("main").inner_text()
    assert "Browser-Testgemeinde" in main
    assert "Teilweise öffentliche Angaben" in main
    assert "Interne Browser-Person" not in main
    assert page.csp_violations == []
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Browser-Testgemeinde").click()
    assert "22.12.2009" in page.locator("main").inner_text()
    assert_no_axe_violations(page)

    page.goto("/genossenschaft/mitglieder/?stand=31.02.2024")
    assert page.locator("#fehlerzusammenfassung").count() == 1
    assert_no_axe_violations(page)


def test_staff_sees_contacts_and_import_errors(
    page, committed_register, committed_cooperative_staff
):
    log_in(page, committed_cooperative_staff)
    page.goto("/genossenschaft/mitglieder/")
    assert "Interne Browser-Person" in page.locator("main").inner_text()
    assert_no_axe_violations(page)

    bad = b"name;ags_oder_ars;beitritt\nUnbekannt;15099999;01.01.2015\n"
    page.locator("#id_datei").set_input_files(
        files=[{"name": "register.csv", "mimeType": "text/csv", "buffer": bad}]
    )
    page.get_by_role("button", name="Datei importieren").click()
    errors = page.locator("#import-fehler").inner_text()
    assert "Zeile 2: AGS 15099999 ist im Gemeindeverzeichnis unbekannt." in errors
    assert_no_axe_violations(page)
