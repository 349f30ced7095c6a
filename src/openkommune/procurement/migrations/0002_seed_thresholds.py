"""Seed the EU thresholds for supplies and services of sub-central (municipal) buyers.

Values as adjusted every two years by the European Commission under Art. 6 of Directive
2014/24/EU (Art. 4 lit. c), applied in Germany through § 106 GWB.
"""

import datetime
from decimal import Decimal

from django.db import migrations

KIND = "supplies_services_municipal"
ROWS = [
    (
        datetime.date(2024, 1, 1),
        datetime.date(2025, 12, 31),
        Decimal("221000.00"),
        "Richtlinie 2014/24/EU Art. 4 lit. c, angepasst durch die Delegierte Verordnung "
        "(EU) 2023/2495 der Kommission (gültig 01.01.2024–31.12.2025)",
    ),
    (
        datetime.date(2026, 1, 1),
        datetime.date(2027, 12, 31),
        Decimal("216000.00"),
        "Richtlinie 2014/24/EU Art. 4 lit. c, Anpassung der Schwellenwerte durch die "
        "Kommission für 01.01.2026–31.12.2027",
    ),
]


def seed(apps, schema_editor):
    ThresholdTable = apps.get_model("procurement", "ThresholdTable")
    for valid_from, valid_until, amount, source in ROWS:
        ThresholdTable.objects.update_or_create(
            kind=KIND,
            valid_from=valid_from,
            defaults={"valid_until": valid_until, "amount": amount, "source": source},
        )


def unseed(apps, schema_editor):
    ThresholdTable = apps.get_model("procurement", "ThresholdTable")
    ThresholdTable.objects.filter(kind=KIND, valid_from__in=[r[0] for r in ROWS]).delete()


class Migration(migrations.Migration):
    dependencies = [("procurement", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
