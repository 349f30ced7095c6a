"""German text normalisation for the search, done in Python so that SQLite and PostgreSQL
index and query exactly the same tokens (see docs/adr/0004-search.md).

Pipeline for one word: lower-case → fold umlauts and ß (ä→a, ö→o, ü→u, ß→ss, and the
transliterations ae/oe/ue→a/o/u, so "führerschein", "fuehrerschein" and "fuhrerschein" are
one word) → German Snowball stem. Compound words are split against the catalogue lexicon.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import Stemmer

VOCABULARY_FILE = Path(__file__).resolve().parent / "data" / "vocabulary.txt"

_WORD_RE = re.compile(r"[a-z0-9]+")
_FOLD_TABLE = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "ẞ": "ss"})
_TRANSLIT_RE = re.compile(r"ae|oe|ue")
# Linking elements ("Fugen") a compound's first part may end with: Hund-e-haltung, Führung-s-.
_FUGEN = ("s", "es", "e", "n", "en", "er")
MIN_PART = 3  # "Amt", "Bau", "Ehe" are real compound heads
# Words shorter than this match only exactly: no prefix, typo or loose compound-head match.
SHORT_WORD = 4


class VocabularyError(ValueError):
    """A line of the vocabulary file cannot be read; the message names file and line."""


_stemmer = Stemmer.Stemmer("german")


def fold(text: str) -> str:
    """Lower-case and fold umlauts, ß and their ae/oe/ue spellings; strip other accents."""
    text = text.lower().translate(_FOLD_TABLE)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _TRANSLIT_RE.sub(lambda m: m.group(0)[0], text)


def words(text: str) -> list[str]:
    """The folded words of a text, in order (letters and digits only)."""
    return _WORD_RE.findall(fold(text))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball stem of an already folded word."""
    return _stemmer.stemWord(word)


def split_compound(
    word: str, lexicon: frozenset[str] | set[str], stems: frozenset[str] | set[str] = frozenset()
) -> list[str]:
    """Known words inside a folded compound: every tail that is a lexicon word (recursively),
    and every head that is one, with or without a linking element. "fuhrungszeugnis" →
    ["zeugnis", "fuhrung"]. A tail also counts when its stem is the stem of a lexicon word
    (`stems`), so "parkausweis" is found through "parkausweise". The word itself is not
    returned."""
    parts: list[str] = []
    if len(word) < 2 * MIN_PART:
        return parts
    for i in range(MIN_PART, len(word) - MIN_PART + 1):
        head, tail = word[:i], word[i:]
        tail_known = len(tail) >= SHORT_WORD and (
            tail in lexicon or (stems and stem(tail) in stems)
        )
        if tail_known:
            parts.append(tail)
            parts.extend(split_compound(tail, lexicon, stems))
        if head in lexicon:
            if _head_counts(head, tail, tail_known, lexicon, stems):
                parts.append(head)
        else:
            for fuge in _FUGEN:
                if head.endswith(fuge) and head[: -len(fuge)] in lexicon:
                    if len(head) - len(fuge) >= MIN_PART and _head_counts(
                        head[: -len(fuge)], tail, tail_known, lexicon, stems
                    ):
                        parts.append(head[: -len(fuge)])
                    break
    return list(dict.fromkeys(p for p in parts if p != word))


def _head_counts(head, tail, tail_known, lexicon, stems) -> bool:
    """A head of four letters or more counts on its own. A short one ("Amt", "Bau", "Ehe")
    only when the rest of the word is known too: "Bau|antrag", but not "Bin|nenschiff"."""
    if len(head) >= SHORT_WORD:
        return True
    return tail_known or bool(split_compound(tail, lexicon, stems))


def osa_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment) of a and b; any value above
    `limit` is returned as limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        best = i
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def typo_limit(word: str) -> int:
    """Edits tolerated for a word: none below 4 letters, 1 up to 7, 2 from 8."""
    if len(word) < SHORT_WORD:
        return 0
    return 1 if len(word) <= 7 else 2


@dataclass(frozen=True)
class Vocabulary:
    """The curated everyday vocabulary (data/vocabulary.txt)."""

    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stopwords: frozenset[str] = frozenset()
    weights: dict[str, float] = field(default_factory=dict)


_SECTIONS = ("synonyms", "stopwords", "weights")


def parse_vocabulary(text: str, source: str = "vocabulary.txt") -> Vocabulary:
    """Read the vocabulary format: `[section]` headers, `#` comments, and per section
    `word = expansion words` (synonyms), `word word …` (stopwords) or `word = 0.3` (weights).
    Keys and expansions are folded like any text. Raises VocabularyError naming the line."""
    synonyms: dict[str, tuple[str, ...]] = {}
    stopwords: set[str] = set()
    weights: dict[str, float] = {}
    section = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue

        def fail(why: str, number=number, raw=raw) -> VocabularyError:
            return VocabularyError(f"{source}, line {number}: {why}: {raw.strip()!r}")

        if line.startswith("["):
            name = line.strip("[] ").lower()
            if not line.endswith("]") or name not in _SECTIONS:
                raise fail(f"unknown section (expected one of {', '.join(_SECTIONS)})")
            section = name
            continue
        if section is None:
            raise fail("entry before the first [section]")
        if section == "stopwords":
            if "=" in line:
                raise fail("stopwords are plain words, no '='")
            stopwords.update(words(line))
            continue
        key, sep, value = line.partition("=")
        key_words = words(key)
        if not sep or len(key_words) != 1 or not value.strip():
            raise fail("expected 'word = …' with exactly one word on the left")
        (word,) = key_words
        if section == "synonyms":
            expansion = tuple(w for w in words(value) if w != word)
            if not expansion:
                raise fail("no expansion words on the right")
            if word in synonyms:
                raise fail(f"'{word}' is defined twice")
            synonyms[word] = expansion
        else:
            try:
                weight = float(value.strip())
            except ValueError:
                raise fail("weight must be a number") from None
            if not 0 <= weight <= 1:
                raise fail("weight must be between 0 and 1")
            weights[word] = weight
    return Vocabulary(synonyms=synonyms, stopwords=frozenset(stopwords), weights=weights)


@lru_cache(maxsize=1)
def load_vocabulary() -> Vocabulary:
    return parse_vocabulary(VOCABULARY_FILE.read_text(encoding="utf-8"), VOCABULARY_FILE.name)
