"""Seeds DigitalPakt Schule 1.0 and 2.0 with their funding shares (no money amounts).

Facts (docs/digitalpakt.md, from the product description's public sources): DigitalPakt
Schule brought €5 bn federal money at 90 % federal / 10 % own share; DigitalPakt 2.0, agreed
in December 2025, brings €5 bn to 2030 at 50 / 50. The categories and their CPV prefixes are
the cooperative's working assignment of catalogue articles, not the wording of a funding
guideline: staff adjust them in the admin to the Land's guideline.
"""

from django.db import migrations

SOURCE = (
    "DigitalPakt Schule: Verwaltungsvereinbarung von Bund und Ländern (Förderquote 90 % Bund / "
    "10 % Eigenanteil); DigitalPakt 2.0: Einigung von Bund und Ländern im Dezember 2025 "
    "(50 % / 50 %, bis 2030)."
)

CATEGORIES = [
    # (name, CPV prefixes: leading digits of the 8-digit code)
    ("Digitale Infrastruktur", ["3241", "3242", "4882", "453143"]),
    ("Endgeräte", ["30213"]),
    ("Anzeigegeräte", ["30231", "32323", "386521", "30195"]),
]

PROGRAMMES = [
    {
        "code": "digitalpakt-schule-1",
        "name": "DigitalPakt Schule 1.0",
        "federal_share": "90.00",
        "own_share": "10.00",
        "starts_on": None,
        "ends_on": None,
        "description": (
            "5 Mrd. € Bundesmittel; Förderquote 90 % Bund, 10 % Eigenanteil des Schulträgers."
        ),
    },
    {
        "code": "digitalpakt-schule-2",
        "name": "DigitalPakt Schule 2.0",
        "federal_share": "50.00",
        "own_share": "50.00",
        "starts_on": None,
        "ends_on": "2030-12-31",
        "description": (
            "Im Dezember 2025 vereinbart: 5 Mrd. € bis 2030; je 50 % Bund und Länder/Kommunen."
        ),
    },
]


def seed(apps, schema_editor):
    programme_model = apps.get_model("digitalpakt", "FundingProgramme")
    category_model = apps.get_model("digitalpakt", "FundingCategory")
    for data in PROGRAMMES:
        fields = {key: value for key, value in data.items() if key != "code"}
        programme, _ = programme_model.objects.update_or_create(
            code=data["code"], defaults={**fields, "source": SOURCE}
        )
        for name, prefixes in CATEGORIES:
            category_model.objects.get_or_create(
                programme=programme, name=name, defaults={"cpv_prefixes": prefixes}
            )


def unseed(apps, schema_editor):
    programme_model = apps.get_model("digitalpakt", "FundingProgramme")
    programme_model.objects.filter(
        code__in=[p["code"] for p in PROGRAMMES], budgets__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("digitalpakt", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
