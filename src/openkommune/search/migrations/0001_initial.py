from django.db import migrations, models

FTS_TABLE = "search_fts"


def create_fulltext(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} "
            "USING fts5(ozg_id UNINDEXED, tokens, tokenize = 'unicode61 remove_diacritics 0')"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS search_document_tokens_gin ON search_searchdocument "
            "USING GIN (to_tsvector('simple'::regconfig, tokens))"
        )


def drop_fulltext(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_document_tokens_gin")


class Migration(migrations.Migration):
    initial = True

    dependencies: list = []

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("ozg_id", models.CharField(max_length=5, unique=True, verbose_name="OZG-ID")),
                ("tokens", models.TextField(verbose_name="Suchbegriffe")),
                ("data", models.JSONField(verbose_name="Ranking-Daten")),
            ],
            options={
                "verbose_name": "Suchdokument",
                "verbose_name_plural": "Suchdokumente",
                "ordering": ["ozg_id"],
            },
        ),
        migrations.CreateModel(
            name="SearchIndexState",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.PositiveIntegerField(default=0)),
                ("checksum", models.CharField(blank=True, max_length=64)),
                ("built_at", models.DateTimeField(blank=True, null=True)),
                ("lexicon", models.JSONField(default=list)),
            ],
            options={
                "verbose_name": "Stand des Suchindex",
                "verbose_name_plural": "Stand des Suchindex",
            },
        ),
        migrations.RunPython(create_fulltext, drop_fulltext),
    ]
