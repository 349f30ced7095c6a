"""The search index: one document per current OZG-Leistung with its normalised tokens.

Rebuilt from the catalogue by `services.search_index_rebuild`; the database's full-text
engine (FTS5 on SQLite; on PostgreSQL a GIN index on the stored column `search_vector`,
migration 0002, outside the model) finds candidates over `tokens`,
and `data` holds what the shared Python ranking needs (see docs/adr/0004-search.md).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    ozg_id = models.CharField(_("OZG-ID"), max_length=5, unique=True)
    # Space-separated normalised terms (stems and compound parts), the full-text input.
    tokens = models.TextField(_("Suchbegriffe"))
    # Field-wise terms for the ranking: name, name parts, LeiKa rows, Lage/Themenfeld.
    data = models.JSONField(_("Ranking-Daten"))

    class Meta:
        verbose_name = _("Suchdokument")
        verbose_name_plural = _("Suchdokumente")
        ordering = ["ozg_id"]

    def __str__(self) -> str:
        return self.ozg_id


class SearchIndexState(models.Model):
    """One row: bumped on every rebuild that changed something, so every process reloads
    its in-memory ranking data exactly when the index changed."""

    version = models.PositiveIntegerField(default=0)
    checksum = models.CharField(max_length=64, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    # Folded surface words of the catalogue and the vocabulary: the lexicon for splitting
    # compounds in queries and the dictionary for typo correction.
    lexicon = models.JSONField(default=list)
    # Reviewed OpenThesaurus synonyms for words the catalogue does not know (search/thesaurus.py),
    # word → catalogue words; taken at build time, so searching never reads the thesaurus.
    synonyms = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("Stand des Suchindex")
        verbose_name_plural = _("Stand des Suchindex")

    def __str__(self) -> str:
        return f"search index v{self.version}"
