"""Audit chains per case (docs/adr/0012-audit-chains-per-case.md).

Every existing event stays where it is: in its tenant's chain, with its sequence and hashes
unchanged (nothing of the history is rewritten). The migration only records that membership
in the new `CaseEvent.chain` and turns the tenant's one head into the head of its tenant
chain (`case_public_id` NULL). Events appended from now on go to the chain of their case;
`verify_audit` checks the old tenant chains exactly as before.

A tenant with events but without a head (which only tampering can produce) gets an empty
head, so that `verify_audit` keeps reporting the mismatch instead of the migration failing.
"""

import django.db.models.deletion
from django.db import migrations, models


def _events_into_tenant_chains(apps, schema_editor):
    AuditChainHead = apps.get_model("cases", "AuditChainHead")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    tenants = CaseEvent._base_manager.values_list("tenant_id", flat=True).distinct()
    for tenant_id in tenants.order_by("tenant_id"):
        head = AuditChainHead._base_manager.filter(tenant_id=tenant_id).first()
        if head is None:
            head = AuditChainHead._base_manager.create(tenant_id=tenant_id)
        # One UPDATE per tenant; the queryset's own guard does not exist on the historical
        # model, and only the new column is written.
        CaseEvent._base_manager.filter(tenant_id=tenant_id).update(chain_id=head.pk)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_audit_records_without_personal_data"),
        ("tenancy", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditchainhead",
            name="tenant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="case_chain_heads",
                to="tenancy.organisation",
                verbose_name="Organisation",
            ),
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="case_public_id",
            field=models.UUIDField(blank=True, null=True, verbose_name="Vorgang (ID)"),
        ),
        migrations.AddConstraint(
            model_name="auditchainhead",
            constraint=models.UniqueConstraint(
                condition=models.Q(("case_public_id", None)),
                fields=("tenant",),
                name="auditchainhead_tenant_chain",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditchainhead",
            constraint=models.UniqueConstraint(
                fields=("tenant", "case_public_id"), name="auditchainhead_case_chain"
            ),
        ),
        migrations.AddField(
            model_name="caseevent",
            name="chain",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="cases.auditchainhead",
                verbose_name="Kette",
            ),
        ),
        migrations.RunPython(_events_into_tenant_chains, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="caseevent",
            name="chain",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="cases.auditchainhead",
                verbose_name="Kette",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="caseevent",
            name="caseevent_tenant_seq",
        ),
        migrations.AddConstraint(
            model_name="caseevent",
            constraint=models.UniqueConstraint(
                fields=("tenant", "chain", "sequence"), name="caseevent_chain_seq"
            ),
        ),
        migrations.AlterModelOptions(
            name="caseevent",
            options={
                "ordering": ["chain_id", "sequence"],
                "verbose_name": "Vorgangsereignis",
                "verbose_name_plural": "Vorgangsereignisse",
            },
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("opened", "Vorgang angelegt"),
                    ("status_changed", "Status geändert"),
                    ("assigned", "Zuständigkeit geändert"),
                    ("follow_up_set", "Wiedervorlage gesetzt"),
                    ("note_added", "Notiz hinzugefügt"),
                    ("document_added", "Dokument hinzugefügt"),
                    ("message_sent", "Nachricht an die Antragstellerin/den Antragsteller"),
                    ("message_received", "Antwort der Antragstellerin/des Antragstellers"),
                    ("notice_issued", "Bescheid bereitgestellt"),
                    ("notice_opened", "Bescheid geöffnet"),
                    ("exported", "Vorgang exportiert"),
                    ("anonymised", "Vorgang anonymisiert"),
                    ("deleted", "Vorgang gelöscht"),
                    ("payload_redacted", "Angaben nach Ablauf der Aufbewahrung entfernt"),
                    ("chains_anchored", "Vorgangsketten verankert"),
                ],
                max_length=30,
                verbose_name="Art",
            ),
        ),
        migrations.CreateModel(
            name="AuditChainAnchor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="case_chain_anchors",
                        to="tenancy.organisation",
                        verbose_name="Organisation",
                    ),
                ),
                (
                    "chain",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="anchor",
                        to="cases.auditchainhead",
                        verbose_name="Kette",
                    ),
                ),
                (
                    "sequence",
                    models.PositiveBigIntegerField(verbose_name="verankerte laufende Nummer"),
                ),
                ("hash", models.CharField(max_length=64)),
            ],
            options={
                "verbose_name": "Verankerung einer Vorgangskette",
                "verbose_name_plural": "Verankerungen der Vorgangsketten",
            },
        ),
    ]
