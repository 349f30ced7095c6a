# Code list library, the FIM import base of a version and waiting re-imports (ADR 0035).

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("forms", "0003_studio_review_and_editor"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="formversion",
            name="fim_import_base",
            field=models.JSONField(
                blank=True, null=True, verbose_name="Definition wie aus FIM importiert"
            ),
        ),
        migrations.CreateModel(
            name="CodeList",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="angelegt am")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="geändert am")),
                (
                    "public_id",
                    models.UUIDField(
                        default=uuid.uuid4,
                        editable=False,
                        unique=True,
                        verbose_name="öffentliche ID",
                    ),
                ),
                (
                    "uri",
                    models.CharField(max_length=300, unique=True, verbose_name="kanonische URI"),
                ),
                ("title", models.CharField(max_length=500, verbose_name="Bezeichnung")),
            ],
            options={
                "verbose_name": "Codeliste",
                "verbose_name_plural": "Codelisten",
                "ordering": ["title", "uri"],
            },
        ),
        migrations.CreateModel(
            name="CodeListVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="angelegt am")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="geändert am")),
                (
                    "public_id",
                    models.UUIDField(
                        default=uuid.uuid4,
                        editable=False,
                        unique=True,
                        verbose_name="öffentliche ID",
                    ),
                ),
                ("version", models.CharField(max_length=50, verbose_name="Version")),
                (
                    "version_uri",
                    models.CharField(
                        blank=True, max_length=300, verbose_name="kanonische Versions-URI"
                    ),
                ),
                (
                    "title",
                    models.CharField(max_length=500, verbose_name="Bezeichnung dieser Version"),
                ),
                ("entries", models.JSONField(verbose_name="Einträge")),
                (
                    "file_name",
                    models.CharField(blank=True, max_length=255, verbose_name="Dateiname"),
                ),
                ("sha256", models.CharField(max_length=64, verbose_name="SHA-256 der Datei")),
                (
                    "code_list",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="versions",
                        to="forms.codelist",
                        verbose_name="Codeliste",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="hochgeladen von",
                    ),
                ),
            ],
            options={
                "verbose_name": "Codelisten-Version",
                "verbose_name_plural": "Codelisten-Versionen",
                "ordering": ["code_list", "-created_at"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("code_list", "version"), name="code_list_version_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="PendingFimImport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="angelegt am")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="geändert am")),
                (
                    "public_id",
                    models.UUIDField(
                        default=uuid.uuid4,
                        editable=False,
                        unique=True,
                        verbose_name="öffentliche ID",
                    ),
                ),
                ("definition", models.JSONField(verbose_name="Definition")),
                ("import_base", models.JSONField(verbose_name="Definition wie importiert")),
                ("import_report", models.JSONField(default=list, verbose_name="Importbericht")),
                ("summary", models.JSONField(default=dict, verbose_name="Vergleich")),
                (
                    "based_on",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="forms.formversion",
                        verbose_name="Grundlage",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="hochgeladen von",
                    ),
                ),
                (
                    "form",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="forms.formdefinition",
                        verbose_name="Formular",
                    ),
                ),
            ],
            options={
                "verbose_name": "noch nicht bestätigter FIM-Import",
                "verbose_name_plural": "noch nicht bestätigte FIM-Importe",
            },
        ),
    ]
