"""OpenThesaurus: the rules, the review file and the synonyms the index build takes."""

import io

import pytest
from django.core.management import call_command

from openkommune.search import linguistics, thesaurus

SAMPLE = """# comment
Beisetzung;Beerdigung;Bestattung;Begräbnis
Trauung;eheliche Verbindung;Hochzeit;Jawort (ugs.);Eheschließung;Blüte (fig.)
laufen;rennen;gehen
Abhang;Abfall;Gefälle
Abhang;Hang;Steigung
"""


def _stems(*words):
    return frozenset(linguistics.stem(w) for w in words)


def test_synsets_keep_one_word_nouns_and_colloquial_terms_only():
    synsets = thesaurus.read_synsets(SAMPLE)
    assert ["beisetzung", "beerdigung", "bestattung", "begrabnis"] in synsets
    trauung = next(s for s in synsets if "trauung" in s)
    assert "jawort" in trauung  # (ugs.) is how citizens talk
    assert "blute" not in trauung  # figurative sense dropped
    assert not any("verbindung" in s for s in synsets)  # multi-word term dropped
    assert not any("laufen" in s for s in synsets)  # verbs left out


def test_unknown_words_expand_to_the_catalogue_words_of_their_synset():
    synsets = thesaurus.read_synsets(SAMPLE)
    known = _stems("bestattung", "eheschliessung", "abfall", "steigung")
    found = thesaurus.expansions(synsets, known, thesaurus.Review())
    assert found["beerdigung"] == ("bestattung",)
    assert found["hochzeit"] == ("eheschliessung",)
    assert "bestattung" not in found  # a catalogue word is never redirected
    assert "abhang" not in found  # two senses lead into the catalogue: ambiguous


def test_review_denies_and_allows():
    synsets = thesaurus.read_synsets(SAMPLE)
    known = _stems("bestattung", "eheschliessung")
    review = thesaurus.parse_review(
        "[deny]\nbeerdigung\nhochzeit = eheschliessung\n[allow]\nheirat = eheschliessung\n"
    )
    found = thesaurus.expansions(synsets, known, review, skip={"jawort"})
    assert not {"beerdigung", "hochzeit", "jawort"} & set(found)
    assert found["heirat"] == ("eheschliessung",)


@pytest.mark.parametrize("text", ["beerdigung\n", "[allow]\nbeerdigung\n", "[deny]\na b = c\n"])
def test_malformed_review_line_names_the_line(text):
    with pytest.raises(linguistics.VocabularyError, match="line"):
        thesaurus.parse_review(text)


def test_committed_review_file_parses():
    thesaurus.parse_review(thesaurus.REVIEW_FILE.read_text(encoding="utf-8"))


def test_missing_thesaurus_fails_loudly(settings, tmp_path):
    settings.SEARCH_THESAURUS_FILE = tmp_path / "missing.txt"
    with pytest.raises(thesaurus.ThesaurusMissing, match="make thesaurus"):
        thesaurus.load_synonyms(frozenset(), skip=set())


@pytest.mark.django_db
def test_a_word_only_the_thesaurus_knows_finds_the_service(client):
    # "Beisetzung" is in neither the catalogue nor the hand-written vocabulary.
    assert "beisetzung" not in linguistics.load_vocabulary().synonyms
    body = client.get("/api/v1/services", {"q": "beisetzung", "limit": 3}).json()
    assert "10227" in [item["ozg_id"] for item in body["items"]]  # Bestattung


@pytest.mark.django_db
def test_rebuild_can_list_the_synonyms_it_took_for_review():
    out = io.StringIO()
    call_command("rebuild_search_index", "--show-synonyms", stdout=out)
    lines = out.getvalue().splitlines()
    assert "beisetzung = bestattung" in lines
    words = [line.split(" = ")[0] for line in lines if " = " in line]
    assert words == sorted(words)
    assert len(words) > 1000  # rules keep thousands, not every one of the ~34,000 lines
