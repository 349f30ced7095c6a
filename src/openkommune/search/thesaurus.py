"""Synonyms from OpenThesaurus, a reviewed subset loaded when the search index is built.

Source: the Debian package `openthesaurus-de-text` (OpenThesaurus, © Daniel Naber,
LGPL 2.1 or later), installed by `make thesaurus`; the file is read only by
`rebuild_search_index`, never while searching. Not every synonym is used:

1. **Rules** (generated candidates): one-word nouns only; terms marked as figurative, vulgar,
   pejorative, jocular, dated or historical are dropped (colloquial "ugs." is kept: that is
   how citizens talk); synsets larger than `MAX_SYNSET` are too vague to use. A word the
   catalogue does *not* know is expanded to the members of its synsets the catalogue
   *does* know — at most `MAX_TARGETS` of them, and only if just one of its synsets leads
   into the catalogue (one sense), and never to a catalogue word more than `MAX_LEADS`
   words lead to (a vague hub) — so a word of the catalogue is never redirected, and
   an everyday word gains the official one ("Beerdigung" → "Bestattung").
2. **Review** (`data/thesaurus_review.txt`, committed): `[deny]` drops a word or one
   expansion of it that is wrong in the administration's sense; `[allow]` adds pairs the
   rules miss. Its format is the vocabulary's (`word = words`).

The hand-written vocabulary (`data/vocabulary.txt`) wins over the thesaurus for any word it
defines. See docs/adr/0004-search.md.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from openkommune.search import linguistics

REVIEW_FILE = Path(__file__).resolve().parent / "data" / "thesaurus_review.txt"
MAX_SYNSET = 8
MAX_TARGETS = 2
MAX_LEADS = 6
# OpenThesaurus usage marks that make a term unfit for plain, literal administrative German.
_DROPPED_MARKS = (
    "fig.",
    "derb",
    "vulg.",
    "abwertend",
    "scherzh",
    "veraltet",
    "historisch",
    "Jargon",
    "ironisch",
    "fachspr.",
    "Rotwelsch",
    "Soziolekt",
    "Kindersprache",
)
_MARK_RE = re.compile(r"\(([^)]*)\)")
_TERM_RE = re.compile(r"^[A-Za-zÄÖÜäöüß-]+$")


@dataclass(frozen=True)
class Review:
    allow: dict[str, tuple[str, ...]] = field(default_factory=dict)
    deny_words: frozenset[str] = frozenset()
    deny_pairs: dict[str, frozenset[str]] = field(default_factory=dict)


def parse_review(text: str, source: str = REVIEW_FILE.name) -> Review:
    """`[allow]` lines `word = catalogue words`; `[deny]` lines `word` (never expand it) or
    `word = words` (drop these expansions). Raises VocabularyError naming the line."""
    allow: dict[str, tuple[str, ...]] = {}
    deny_words: set[str] = set()
    deny_pairs: dict[str, frozenset[str]] = {}
    section = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line in ("[allow]", "[deny]"):
            section = line[1:-1]
            continue
        key, sep, value = line.partition("=")
        key_words, value_words = linguistics.words(key), linguistics.words(value)
        if section is None or len(key_words) != 1 or (sep and not value_words):
            raise linguistics.VocabularyError(
                f"{source}, line {number}: expected [allow] or [deny] and "
                f"'word' or 'word = words': {raw.strip()!r}"
            )
        (word,) = key_words
        if section == "allow" and value_words:
            allow[word] = tuple(value_words)
        elif section == "deny" and sep:
            deny_pairs[word] = frozenset(value_words)
        elif section == "deny":
            deny_words.add(word)
        else:
            raise linguistics.VocabularyError(
                f"{source}, line {number}: [allow] needs 'word = words': {raw.strip()!r}"
            )
    return Review(allow, frozenset(deny_words), deny_pairs)


def load_synonyms(known_stems, skip) -> dict[str, tuple[str, ...]]:
    """The reviewed thesaurus synonyms for this catalogue (read at index build)."""
    path = thesaurus_file()
    if not path.is_file():
        raise ThesaurusMissing(
            f"OpenThesaurus fehlt ({path}): bitte `make thesaurus` ausführen "
            "(Debian-Paket openthesaurus-de-text) oder OPENKOMMUNE_SEARCH_THESAURUS_FILE setzen."
        )
    synsets = read_synsets(path.read_text(encoding="utf-8"))
    review = parse_review(REVIEW_FILE.read_text(encoding="utf-8"))
    return expansions(synsets, known_stems, review, skip=skip)


class ThesaurusMissing(RuntimeError):
    """The OpenThesaurus file is not installed (run `make thesaurus`)."""


def thesaurus_file() -> Path:
    return Path(settings.SEARCH_THESAURUS_FILE)


def read_synsets(text: str) -> list[list[str]]:
    """Synsets of the OpenThesaurus text format (one per line, terms separated by ';'),
    each as folded one-word terms after the rules above; '#' lines are comments."""
    synsets = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        terms = []
        for raw in line.split(";"):
            marks = " ".join(_MARK_RE.findall(raw))
            if any(mark in marks for mark in _DROPPED_MARKS):
                continue
            term = _MARK_RE.sub("", raw).strip()
            # Nouns only (capitalised): they name what a citizen needs; verbs and adjectives
            # have too many senses ("bestellen", "umgezogen") to translate without context.
            if not _TERM_RE.match(term) or not term[0].isupper() or term.endswith("-"):
                continue
            folded = linguistics.words(term.replace("-", ""))
            if len(folded) == 1:
                terms.append(folded[0])
        terms = list(dict.fromkeys(terms))
        if 2 <= len(terms) <= MAX_SYNSET:
            synsets.append(terms)
    return synsets


def expansions(
    synsets: list[list[str]],
    known_stems: frozenset[str] | set[str],
    review: Review,
    *,
    skip: frozenset[str] | set[str] = frozenset(),
) -> dict[str, tuple[str, ...]]:
    """Word → catalogue words, for the words the catalogue does not know (see the module
    docstring). `skip`: words the hand-written vocabulary or the stop words define already."""
    targets: dict[str, dict[str, None]] = defaultdict(dict)
    senses: dict[str, int] = defaultdict(int)
    for synset in synsets:
        known = [t for t in synset if linguistics.stem(t) in known_stems]
        if not known:
            continue
        for word in synset:
            if len(word) < linguistics.SHORT_WORD or linguistics.stem(word) in known_stems:
                continue
            senses[word] += 1
            for target in known:
                targets[word][target] = None
    # A catalogue word that many different words lead to is a vague hub ("Haltung": posture,
    # attitude, … — and "Hundehaltung"); it is no one's synonym.
    leads = Counter(t for found in targets.values() for t in found)
    hubs = {t for t, n in leads.items() if n > MAX_LEADS}
    result = {}
    for word, found in sorted(targets.items()):
        found = {t: None for t in found if t not in hubs}
        # A word with two senses that both lead into the catalogue is ambiguous: left out.
        if word in skip or word in review.deny_words or senses[word] > 1:
            continue
        chosen = [t for t in found if t not in review.deny_pairs.get(word, ())]
        if 1 <= len(chosen) <= MAX_TARGETS:
            result[word] = tuple(chosen)
    for word, extra in review.allow.items():
        if word not in skip:
            result[word] = tuple(dict.fromkeys((*result.get(word, ()), *extra)))
    return result
