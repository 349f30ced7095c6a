"""Normalisation, compound splitting, typo distance and the vocabulary file (no database)."""

import pytest

from openkommune.search import linguistics
from openkommune.search.linguistics import VocabularyError, parse_vocabulary


@pytest.mark.parametrize(
    "spelling", ["Führerschein", "fuehrerschein", "fuhrerschein", "FÜHRERSCHEIN"]
)
def test_umlaut_spellings_fold_to_one_word(spelling):
    assert linguistics.words(spelling) == ["fuhrerschein"]


def test_sharp_s_folds_to_ss():
    assert linguistics.words("Straße Eheschließung") == ["strasse", "eheschliessung"]


def test_words_drop_punctuation_and_keep_digits():
    assert linguistics.words("Kfz-Zulassung (ab 17)!") == ["kfz", "zulassung", "ab", "17"]


def test_stemming_joins_inflections():
    stem = linguistics.stem
    assert stem("anmelden") == stem("anmeldung")
    assert stem("zulassen") == stem("zulassung")
    assert stem("geburtsurkunden") == stem("geburtsurkunde")


def test_compound_is_split_against_the_lexicon():
    lexicon = {"zeugnis", "fuhrung", "hund", "haltung", "steuer"}
    assert "zeugnis" in linguistics.split_compound("fuhrungszeugnis", lexicon)
    assert "fuhrung" in linguistics.split_compound("fuhrungszeugnis", lexicon)  # Fugen-s
    assert set(linguistics.split_compound("hundehaltung", lexicon)) >= {"hund", "haltung"}


def test_compound_tail_found_through_its_stem():
    parts = linguistics.split_compound(
        "bewohnerparkausweis", {"parkausweise"}, {linguistics.stem("parkausweise")}
    )
    assert "parkausweis" in parts


def test_unknown_compound_gives_no_parts():
    assert linguistics.split_compound("xyzabcdefg", {"haus"}) == []


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("fuhrerschien", "fuhrerschein", 1),  # transposition counts once
        ("persoanlausweis", "personalausweis", 1),
        ("personalausweiss", "personalausweis", 1),
        ("wohngelt", "wohngeld", 1),
        ("kindergeld", "kindergeld", 0),
        ("hund", "katze", 2),  # capped at limit + 1
    ],
)
def test_osa_distance(a, b, distance):
    assert linguistics.osa_distance(a, b, 1) == distance


def test_typo_limit_grows_with_word_length():
    assert linguistics.typo_limit("kfz") == 0
    assert linguistics.typo_limit("hunde") == 1
    assert linguistics.typo_limit("fuhrerschein") == 2


def test_vocabulary_file_parses():
    vocabulary = linguistics.load_vocabulary()
    assert vocabulary.synonyms["perso"] == ("personalausweis",)
    assert "kraftfahrzeug" in vocabulary.synonyms["kfz"]
    assert "ich" in vocabulary.stopwords
    assert 0 < vocabulary.weights["beantragen"] < 1


def test_vocabulary_folds_keys_and_strips_comments():
    vocabulary = parse_vocabulary("[synonyms]\nKnöllchen = Bußgeld  # colloquial\n")
    assert vocabulary.synonyms == {"knollchen": ("bussgeld",)}


@pytest.mark.parametrize(
    ("text", "line", "why"),
    [
        ("[synonyms]\nperso personalausweis\n", 2, "exactly one word"),
        ("perso = personalausweis\n", 1, "before the first"),
        ("[synonyms]\n# fine\n\nzwei worte = x\n", 4, "exactly one word"),
        ("[synonyms]\nkfz =\n", 2, "exactly one word"),
        ("[weights]\nantrag = viel\n", 2, "number"),
        ("[weights]\nantrag = 3\n", 2, "between 0 and 1"),
        ("[synonyme]\n", 1, "unknown section"),
        ("[synonyms]\nkfz = auto\nkfz = pkw\n", 3, "twice"),
        ("[stopwords]\nich = du\n", 2, "plain words"),
    ],
)
def test_malformed_vocabulary_line_is_named(text, line, why):
    with pytest.raises(VocabularyError) as error:
        parse_vocabulary(text, "vocab.txt")
    assert f"vocab.txt, line {line}:" in str(error.value)
    assert why in str(error.value)


def test_short_compound_head_counts_only_with_a_known_rest():
    lexicon = {"bin", "bau", "antrag", "schiff", "binnenschiff"}
    # "Bin|nenschiff": the rest is no word, so the short head "bin" is not a part of it.
    assert "bin" not in linguistics.split_compound("binnenschiffer", lexicon)
    assert "bau" in linguistics.split_compound("bauantrag", lexicon)


def test_short_words_get_no_typo_tolerance():
    assert linguistics.typo_limit("bin") == 0
    assert linguistics.typo_limit("umzug") == 1


def test_vocabulary_drops_german_function_words():
    stopwords = linguistics.load_vocabulary().stopwords
    assert {"ich", "bin", "wir", "mein", "sind", "dass", "nicht"} <= stopwords
