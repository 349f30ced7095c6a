"""PostgreSQL: the candidate index on a stored tsvector column instead of an expression.

With the GIN index over the expression `to_tsvector('simple', tokens)`, an analysed database
answered the candidate query with a sequential scan that recomputed every document's vector
(docs/adr/0004-search.md, "Amendment"). The generated column is computed once, when the
index rebuild writes the row; the planner then prices the index and the stored vectors
correctly. `fastupdate = off`: the rebuild's inserts go into the index at once instead of a
pending list that only VACUUM (or autovacuum, off on these machines) merges, and that the
planner prices as a slow scan. SQLite keeps its FTS5 table; the column is not part of the Django model (the
candidate query is SQL of its own on either database).
"""

from django.db import migrations


def add_stored_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE search_searchdocument ADD COLUMN IF NOT EXISTS search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, tokens)) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS search_document_vector_gin ON search_searchdocument "
        "USING GIN (search_vector) WITH (fastupdate = off)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS search_document_tokens_gin")


def drop_stored_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS search_document_tokens_gin ON search_searchdocument "
        "USING GIN (to_tsvector('simple'::regconfig, tokens))"
    )
    schema_editor.execute("DROP INDEX IF EXISTS search_document_vector_gin")
    schema_editor.execute("ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(add_stored_vector, drop_stored_vector)]
