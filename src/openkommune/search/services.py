"""Building the search index from the catalogue. Idempotent: an unchanged catalogue and
vocabulary leave the index (and its version) untouched."""

import hashlib
import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from openkommune.catalog.models import LeikaAssignment, OzgLeistung
from openkommune.core.read_cache import Topic, data_changed
from openkommune.search import linguistics, thesaurus
from openkommune.search.models import SearchDocument, SearchIndexState

FTS_TABLE = "search_fts"


@dataclass(frozen=True)
class RebuildResult:
    documents: int
    version: int
    changed: bool


def _terms(text: str, lexicon: set[str], stopwords: frozenset[str]) -> tuple[list, list]:
    stems = _lexicon_stems(lexicon)
    """(stems of the words, stems of their compound parts not already among them)."""
    terms: list[str] = []
    parts: list[str] = []
    for word in linguistics.words(text):
        if word in stopwords:
            continue
        terms.append(linguistics.stem(word))
        parts.extend(linguistics.stem(p) for p in linguistics.split_compound(word, lexicon, stems))
    terms = list(dict.fromkeys(terms))
    parts = [p for p in dict.fromkeys(parts) if p not in terms]
    return terms, parts


_stems_cache: dict[int, frozenset[str]] = {}


def _lexicon_stems(lexicon: set[str]) -> frozenset[str]:
    key = id(lexicon)
    if key not in _stems_cache:
        _stems_cache.clear()
        _stems_cache[key] = frozenset(linguistics.stem(w) for w in lexicon if len(w) >= 4)
    return _stems_cache[key]


def _documents() -> tuple[list[dict], list[str], dict[str, tuple[str, ...]]]:
    vocabulary = linguistics.load_vocabulary()
    leistungen = list(
        OzgLeistung.objects.filter(is_current=True)
        .select_related("lage", "themenfeld")
        .order_by("ozg_id")
    )
    rows: dict[str, list] = {}
    assignments = (
        LeikaAssignment.objects.filter(is_current=True, ozg_leistung__isnull=False)
        .select_related("leika_service")
        .order_by("ozg_id", "leika_key", "name", "occurrence")
    )
    for row in assignments:
        rows.setdefault(row.ozg_id, []).append(row)

    texts = [o.name for o in leistungen] + [o.lage.name for o in leistungen]
    texts += [o.themenfeld.name for o in leistungen]
    texts += [row.name for group in rows.values() for row in group]
    lexicon = {
        w
        for text in texts
        for w in linguistics.words(text)
        if len(w) >= linguistics.MIN_PART and not w.isdigit()
    }
    lexicon.update(w for exp in vocabulary.synonyms.values() for w in exp if len(w) >= 3)
    lexicon -= vocabulary.stopwords
    stop = vocabulary.stopwords

    documents = []
    for leistung in leistungen:
        name_terms, name_parts = _terms(leistung.name, lexicon, stop)
        ctx_terms, ctx_parts = _terms(
            f"{leistung.lage.name} {leistung.themenfeld.name}", lexicon, stop
        )
        leika, seen = [], set()
        for row in rows.get(leistung.ozg_id, []):
            if (row.leika_key, row.name) in seen:
                continue
            seen.add((row.leika_key, row.name))
            terms, parts = _terms(row.name, lexicon, stop)
            leika.append([row.leika_key, row.name, terms, parts, row.executed_by_kommune])
        all_terms = set(name_terms) | set(name_parts) | set(ctx_terms) | set(ctx_parts)
        for _key, _name, terms, parts, _kommune in leika:
            all_terms.update(terms)
            all_terms.update(parts)
        documents.append(
            {
                "ozg_id": leistung.ozg_id,
                "tokens": " ".join(sorted(all_terms)),
                "data": {
                    "name": name_terms,
                    "name_parts": name_parts,
                    "ctx": sorted(set(ctx_terms) | set(ctx_parts)),
                    "leika": leika,
                    "themenfeld": [leistung.themenfeld.official_id, leistung.themenfeld.name],
                },
            }
        )
    synonyms = thesaurus.load_synonyms(
        _lexicon_stems(lexicon), skip=set(vocabulary.synonyms) | vocabulary.stopwords
    )
    lexicon_words = sorted(lexicon | set(vocabulary.synonyms))
    return documents, lexicon_words, synonyms


def search_index_rebuild(*, force: bool = False) -> RebuildResult:
    """Rebuild the search documents and the database full-text index from the catalogue."""
    documents, lexicon, synonyms = _documents()
    vocabulary_text = linguistics.VOCABULARY_FILE.read_text(encoding="utf-8")
    payload = json.dumps(
        [documents, lexicon, synonyms, vocabulary_text], sort_keys=True, ensure_ascii=False
    )
    checksum = hashlib.sha256(payload.encode()).hexdigest()
    with transaction.atomic():
        state = SearchIndexState.objects.select_for_update().first()
        if state is None:
            state = SearchIndexState.objects.create()
        if not force and state.checksum == checksum:
            return RebuildResult(len(documents), state.version, changed=False)
        SearchDocument.objects.all().delete()
        SearchDocument.objects.bulk_create(SearchDocument(**doc) for doc in documents)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608 (constant name)
                cursor.executemany(
                    f"INSERT INTO {FTS_TABLE} (ozg_id, tokens) VALUES (%s, %s)",  # noqa: S608
                    [(doc["ozg_id"], doc["tokens"]) for doc in documents],
                )
        state.version += 1
        state.checksum = checksum
        state.lexicon = lexicon
        state.synonyms = synonyms
        state.built_at = timezone.now()
        state.save()
        data_changed(Topic.SEARCH_INDEX)
    return RebuildResult(len(documents), state.version, changed=True)
