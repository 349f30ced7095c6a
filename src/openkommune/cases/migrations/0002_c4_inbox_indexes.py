"""The inbox search index on PostgreSQL: a trigram GIN index over (tenant, search text).

`Case.search_text` is matched with `LIKE '%word%'` (see `cases/inbox.py`); a B-tree cannot
answer a substring, a trigram index can. `btree_gin` lets the tenant id sit in the same GIN
index, so a search reads only the tenant's matching rows. Both extensions ship with
PostgreSQL (contrib) and are trusted, so the database owner may create them.

SQLite has no such index; there the search scans the tenant's rows, which is what the
embedded installation's data sizes allow.
"""

from django.db import migrations

INDEX = "case_tenant_search_trgm"


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON cases_case "
        "USING gin (tenant_id, search_text gin_trgm_ops)"
    )


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extensions stay: other objects may use them, and they cost nothing unused.
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(create_search_index, drop_search_index)]
