"""The order e-mails move from `OrderMail` into the one outbox (`core.OutboxMail`, issue
12). Each row keeps its public id (a pending one is queued again by
`openkommune outbox_sweep`; the old task path is gone), addresses, status and attempts; the dedupe key
makes one order e-mail per call-off as the old one-to-one did. Reversible."""

from django.db import migrations

KIND = "procurement.order"
COPIED = ("public_id", "tenant_id", "recipient", "copy_to", "status", "attempts",
          "last_error", "next_attempt_at", "sent_at", "created_at")  # fmt: skip


def _move(apps, schema_editor):
    OrderMail = apps.get_model("procurement", "OrderMail")
    OutboxMail = apps.get_model("core", "OutboxMail")
    ContentType = apps.get_model("contenttypes", "ContentType")
    rows = OrderMail.objects.select_related("call_off")
    if not rows.exists():
        return
    call_off_type = ContentType.objects.get_or_create(app_label="procurement", model="calloff")[0]
    for row in rows.iterator():
        OutboxMail.objects.create(
            **{name: getattr(row, name) for name in COPIED},
            kind=KIND,
            dedupe_key=f"{KIND}:{row.call_off.public_id}",
            subject_type=call_off_type,
            subject_id=row.call_off_id,
        )
    rows.delete()


def _move_back(apps, schema_editor):
    OrderMail = apps.get_model("procurement", "OrderMail")
    OutboxMail = apps.get_model("core", "OutboxMail")
    rows = OutboxMail.objects.filter(kind=KIND)
    for row in rows.iterator():
        OrderMail.objects.create(
            **{name: getattr(row, name) for name in COPIED}, call_off_id=row.subject_id
        )
    rows.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("procurement", "0003_order_mail"),
    ]

    operations = [migrations.RunPython(_move, _move_back)]
