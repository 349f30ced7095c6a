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

ADD = [
    "ALTER TABLE search_searchdocument ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, tokens)) STORED",
    "CREATE INDEX IF NOT EXISTS search_document_vector_gin ON search_searchdocument "
    "USING GIN (search_vector) WITH (fastupdate = off)",
    "DROP INDEX IF EXISTS search_document_tokens_gin",
]
DROP = [
    "CREATE INDEX IF NOT EXISTS search_document_tokens_gin ON search_searchdocument "
    "USING GIN (to_tsvector('simple'::regconfig, tokens))",
    "DROP INDEX IF EXISTS search_document_vector_gin",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS search_vector",
]


def on_postgresql(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(on_postgresql(ADD), on_postgresql(DROP))]
