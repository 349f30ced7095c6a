"""Delete the outbox rows whose subject no longer exists.

Framework contracts, bundling rounds, SLA escalations and fee notices declared no
`GenericRelation` to `OutboxMail` before this release, so deleting one left its e-mails
behind — each with a recipient address that should have gone with its subject, and a
pending one retried against a subject that no longer existed (CHANGELOG). Rows of a model
this installation no longer has, and rows without a subject, are left alone. Nothing to undo.
"""

from django.db import migrations


def delete_rows_without_subject(apps, schema_editor):
    OutboxMail = apps.get_model("core", "OutboxMail")
    ContentType = apps.get_model("contenttypes", "ContentType")
    used = OutboxMail.objects.filter(subject_type__isnull=False).values("subject_type")
    for content_type in ContentType.objects.filter(pk__in=used):
        try:
            model = apps.get_model(content_type.app_label, content_type.model)
        except LookupError:
            continue
        OutboxMail.objects.filter(subject_type=content_type).exclude(
            subject_id__in=model._base_manager.values("pk")
        ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0005_outbox_unsent_index"),
    ]

    operations = [
        migrations.RunPython(delete_rows_without_subject, migrations.RunPython.noop),
    ]
