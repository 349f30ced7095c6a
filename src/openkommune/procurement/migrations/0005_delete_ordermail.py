from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0004_ordermail_to_outbox"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="ordermail",
            name="order_mail_tenant_status",
        ),
        migrations.DeleteModel(
            name="OrderMail",
        ),
    ]
