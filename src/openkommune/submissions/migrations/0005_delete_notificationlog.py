from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0004_notificationlog_to_outbox"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="notificationlog",
            name="notification_tenant_status",
        ),
        migrations.RemoveConstraint(
            model_name="notificationlog",
            name="notification_has_subject",
        ),
        migrations.DeleteModel(
            name="NotificationLog",
        ),
    ]
