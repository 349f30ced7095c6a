"""The e-mails to applicants move from `NotificationLog` into the one outbox
(`core.OutboxMail`, issue 12). Each row keeps its public id (a pending one is queued again by
`openkommune outbox_sweep`; the old task paths are gone), its dedupe key, status and attempts;
the address, which the old table did not keep, is read from the application or draft.
Reversible: the rows go back (without the address)."""

from django.db import migrations

CONFIRMATION = "application_confirmation"
KIND_PREFIX = "submissions."
COPIED = ("public_id", "tenant_id", "dedupe_key", "base_url", "status", "attempts",
          "last_error", "next_attempt_at", "sent_at", "created_at")  # fmt: skip


def _content_type(apps, model):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label="submissions", model=model)[0]


def _move(apps, schema_editor):
    NotificationLog = apps.get_model("submissions", "NotificationLog")
    OutboxMail = apps.get_model("core", "OutboxMail")
    rows = NotificationLog.objects.select_related("application", "draft__user")
    if not rows.exists():
        return
    application_type = _content_type(apps, "application")
    draft_type = _content_type(apps, "draft")
    for row in rows.iterator():
        if row.kind == CONFIRMATION:
            subject_type, subject_id = application_type, row.application_id
            recipient = row.application.email
        else:
            subject_type, subject_id = draft_type, row.draft_id
            draft = row.draft
            recipient = draft.email or (draft.user.email if draft.user_id else "")
        OutboxMail.objects.create(
            **{name: getattr(row, name) for name in COPIED},
            kind=KIND_PREFIX + row.kind,
            subject_type=subject_type,
            subject_id=subject_id,
            recipient=recipient or "",
        )
    rows.delete()


def _move_back(apps, schema_editor):
    NotificationLog = apps.get_model("submissions", "NotificationLog")
    OutboxMail = apps.get_model("core", "OutboxMail")
    rows = OutboxMail.objects.filter(kind__startswith=KIND_PREFIX)
    for row in rows.iterator():
        kind = row.kind.removeprefix(KIND_PREFIX)
        subject = {"application_id" if kind == CONFIRMATION else "draft_id": row.subject_id}
        # The old table knows no "no_address": such a row was never made there.
        status = row.status if row.status != "no_address" else "failed"
        NotificationLog.objects.create(
            **{name: getattr(row, name) for name in COPIED if name != "status"},
            status=status,
            kind=kind,
            **subject,
        )
    rows.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("submissions", "0003_receipt_pending"),
    ]

    operations = [migrations.RunPython(_move, _move_back)]
