"""Remove personal data that older versions wrote into immutable tenancy audit records:

- `case.open` kept the case's reference in `after`; anonymisation replaces the reference,
  so the record would link the anonymised case back to the applicant's file number;
- `case_email.failed` kept the mail server's error text, which often quotes the recipient's
  address; only the error's type is kept.

The records are append-only through the ORM; this one-time cleanup changes them through the
migration's plain historical model on purpose, and only these two keys.
"""

from django.db import migrations


def _strip(apps, schema_editor):
    AuditRecord = apps.get_model("tenancy", "AuditRecord")
    opened = AuditRecord.objects.filter(action="case.open", after__has_key="reference")
    for record in opened.iterator():
        after = {k: v for k, v in record.after.items() if k != "reference"}
        AuditRecord.objects.filter(pk=record.pk).update(after=after)
    failed = AuditRecord.objects.filter(action="case_email.failed", after__has_key="error")
    for record in failed.iterator():
        error = str(record.after.get("error") or "")
        # "SMTPRecipientsRefused: {...}" -> "SMTPRecipientsRefused"
        kind = error.split(":", 1)[0].strip()[:100]
        AuditRecord.objects.filter(pk=record.pk).update(after={**record.after, "error": kind})


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_c4_inbox_indexes"),
        ("tenancy", "0001_initial"),
    ]

    operations = [migrations.RunPython(_strip, migrations.RunPython.noop)]
