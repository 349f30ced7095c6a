"""Files on a step: upload, errors at the field with nothing else lost, removal, download
only for the applicant. Uses the small test form of the submissions tests (file fields,
one of them in a repeated group)."""

import pytest
from django.test import Client

from openkommune.submissions.models import Attachment, Draft
from tests.submissions.factories import (
    PDF_BYTES,
    PNG_BYTES,
    TEXT_BYTES,
    make_offer,
    private_media,  # noqa: F401
    upload,
)
from tests.submissions.journey_support import draft_id, start_draft, step_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@pytest.fixture
def files_url(client):
    make_offer()  # publishes the test form, which then is the newest for Hundehaltung
    first = start_draft(client)
    assert first.endswith("/person/")
    client.post(first, {"name": "Erika Mustermann"})
    return step_url(draft_id(first), "unterlagen")


def _draft(url) -> Draft:
    return Draft.applicant_objects.get(public_id=draft_id(url))


def _attachments(url):
    return list(Attachment.applicant_objects.filter(draft=_draft(url)))


def test_upload_stores_the_file_and_shows_its_name(client, files_url):
    response = client.post(
        files_url,
        {"nachweis": upload("nachweis.pdf", PDF_BYTES), "_action": "weiter"},
    )
    assert response.status_code == 302
    [attachment] = _attachments(files_url)
    assert attachment.content_type == "application/pdf"
    assert _draft(files_url).data["nachweis"] == str(attachment.public_id)
    page = client.get(files_url).text
    assert "Hochgeladen: nachweis.pdf" in page
    assert f'name="nachweis" value="{attachment.public_id}"' in page
    assert 'name="_remove" value="nachweis"' in page


def test_a_kept_file_survives_the_next_post(client, files_url):
    client.post(files_url, {"nachweis": upload("nachweis.pdf", PDF_BYTES), "_action": "zurueck"})
    [attachment] = _attachments(files_url)
    # The page sends the file's id back in a hidden field; no new upload.
    client.post(files_url, {"nachweis": str(attachment.public_id)})
    assert _draft(files_url).data["nachweis"] == str(attachment.public_id)
    assert len(_attachments(files_url)) == 1


def test_wrong_type_is_an_error_at_the_field_and_keeps_other_input(client, files_url):
    response = client.post(
        files_url,
        {
            "nachweis": upload("nachweis.pdf", PNG_BYTES),
            "hunde._count": "1",
            "hunde.0.hund_name": "Bello",
        },
    )
    assert response.status_code == 200
    text = response.text
    assert 'id="fehlerzusammenfassung"' in text
    assert 'href="#f-nachweis"' in text
    assert 'id="f-nachweis--error"' in text
    assert "ist kein PDF" in text
    assert 'value="Bello"' in text
    assert _attachments(files_url) == []
    assert _draft(files_url).data["hunde"][0]["hund_name"] == "Bello"


def test_too_large_file_is_refused(client, files_url):
    big = PDF_BYTES + b"%" * 5000  # the field allows 4000 bytes
    response = client.post(files_url, {"nachweis": upload("gross.pdf", big)})
    assert response.status_code == 200
    assert "zu groß" in response.text
    assert 'href="#f-nachweis"' in response.text
    assert _attachments(files_url) == []


def test_a_rejected_upload_keeps_the_file_before(client, files_url):
    client.post(files_url, {"nachweis": upload("alt.pdf", PDF_BYTES), "_action": "zurueck"})
    [kept] = _attachments(files_url)
    response = client.post(
        files_url, {"nachweis": upload("neu.pdf", TEXT_BYTES)} | {"_action": "weiter"}
    )
    assert response.status_code == 200
    assert "Hochgeladen: alt.pdf" in response.text
    assert _attachments(files_url) == [kept]
    assert _draft(files_url).data["nachweis"] == str(kept.public_id)


def test_remove_deletes_the_file(client, files_url):
    client.post(files_url, {"nachweis": upload("nachweis.pdf", PDF_BYTES), "_action": "zurueck"})
    [attachment] = _attachments(files_url)
    response = client.post(
        files_url,
        {"nachweis": str(attachment.public_id), "_remove": "nachweis", "hunde._count": "0"},
    )
    assert response.status_code == 200
    assert "Hochgeladen:" not in response.text
    assert 'id="fehlerzusammenfassung"' not in response.text
    assert _attachments(files_url) == []
    assert _draft(files_url).data.get("nachweis", "") == ""


def test_upload_inside_a_repeated_entry(client, files_url):
    response = client.post(
        files_url,
        {
            "hunde._count": "1",
            "hunde.0.hund_name": "Bello",
            "hunde.0.impfpass": upload("impfpass.txt", TEXT_BYTES),
        },
    )
    assert response.status_code == 302
    [attachment] = _attachments(files_url)
    assert attachment.path == "hunde.0.impfpass"
    data = _draft(files_url).data
    assert data["hunde"][0] == {"hund_name": "Bello", "impfpass": str(attachment.public_id)}


def test_the_applicant_downloads_the_file_others_get_404(client, files_url):
    client.post(files_url, {"nachweis": upload("nachweis.pdf", PDF_BYTES)})
    [attachment] = _attachments(files_url)
    check = client.get(files_url.replace("/unterlagen/", "/pruefen/")).text
    url = f"{files_url.replace('/unterlagen/', '/datei/')}{attachment.public_id}/"
    assert url in check
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert Client().get(url).status_code == 404
    other_id = url.replace(str(attachment.public_id), "00000000-0000-4000-8000-000000000000")
    assert client.get(other_id).status_code == 404


# --- indexes that are no ASCII numbers ------------------------------------------------------
# "²" passes str.isdigit() but not int(): such names once made the step answer 500.


@pytest.mark.parametrize("index", ["²", "٣", "0\n"])
def test_a_file_posted_under_a_strange_index_is_refused_at_the_field(client, files_url, index):
    path = f"hunde.{index}.impfpass"
    response = client.post(
        files_url,
        {"hunde._count": "1", "hunde.0.hund_name": "Bello", path: upload("i.txt", TEXT_BYTES)},
    )
    assert response.status_code == 200
    assert "Für dieses Feld kann keine Datei hochgeladen werden." in response.text
    assert 'value="Bello"' in response.text
    assert _attachments(files_url) == []
    assert _draft(files_url).data["hunde"] == [{"hund_name": "Bello", "impfpass": ""}]


@pytest.mark.parametrize(
    "fields",
    [
        {"hunde._count": "²"},
        {"hunde._count": "1", "_remove": "hunde.².impfpass"},
        {"hunde._count": "1", "_remove": "hunde.²"},
        {"hunde._count": "1", "_add": "hunde.².impfpass"},
    ],
)
def test_strange_counts_and_buttons_show_the_step_again(client, files_url, fields):
    response = client.post(files_url, {"hunde.0.hund_name": "Bello"} | fields)
    assert response.status_code in (200, 302)
    assert _draft(files_url).data["hunde"][0]["hund_name"] == "Bello"


# --- files larger than OPENKOMMUNE_UPLOAD_MAX_SIZE ------------------------------------------


def test_settings_put_the_size_limit_handler_first(settings):
    assert settings.FILE_UPLOAD_HANDLERS[0] == "openkommune.core.uploads.UploadSizeLimitHandler"


def test_an_oversized_file_is_skipped_while_it_arrives_and_the_rest_is_kept(
    client, files_url, settings, monkeypatch
):
    from openkommune.submissions import services

    settings.UPLOAD_MAX_SIZE = 3000
    attached = []
    original = services.draft_attach_file
    monkeypatch.setattr(
        services,
        "draft_attach_file",
        lambda **kwargs: attached.append(kwargs["path"]) or original(**kwargs),
    )
    client.post(files_url, {"nachweis": upload("alt.pdf", PDF_BYTES), "_action": "zurueck"})
    [kept] = _attachments(files_url)
    big = PDF_BYTES + b"%" * 200_000  # several chunks of the multipart parser
    # The file comes first in the body: the fields after it must still arrive.
    response = client.post(
        files_url,
        {
            "nachweis": upload("riesig.pdf", big),
            "hunde._count": "1",
            "hunde.0.hund_name": "Bello",
        },
    )
    assert response.status_code == 200
    text = response.text
    assert "Die Datei „riesig.pdf“ ist zu groß. Erlaubt sind höchstens 2,9\u00a0KB." in text
    assert 'href="#f-nachweis"' in text
    assert 'value="Bello"' in text
    # Refused by the handler: the view never got the file to store and check it.
    assert attached == ["nachweis"]  # only the first, small upload
    assert _attachments(files_url) == [kept]
    data = _draft(files_url).data
    assert data["nachweis"] == str(kept.public_id)
    assert data["hunde"][0]["hund_name"] == "Bello"
