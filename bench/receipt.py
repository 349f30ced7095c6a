"""Benchmark: rendering the receipt PDF against a one-paragraph PDF, both through `core.pdf`.

    .venv/bin/python bench/receipt.py [--repeats 15]

No database: the receipt of a Hundesteuer application with one dog (the answers of
`bench/submit.py`, two sections, one attachment, a demo note) is built in memory and
rendered by `submissions.services.receipts.render_receipt_pdf`, as its first download does
(ADR 0013). Measured interleaved in the same run, medians in ms:

- baseline: `core.pdf.html_to_pdf` of a trivial document (a title and one paragraph): what
  any PDF costs here (WeasyPrint's layout, one font subset, writing PDF/UA-1);
- ours: the receipt as rendered now (HarfBuzz subsetting when `libharfbuzz-subset` is
  installed, `make deps`; one font configuration kept per thread);
- before: the receipt as rendered before (a new font configuration per document, fonts
  subset by fontTools in Python), for the comparison.

Also prints what the rates mean at the submission peak of 150 submissions per second.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEAK_PER_SECOND = 150
TRIVIAL = (
    '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Probe</title></head>'
    "<body><p>Ein Absatz.</p></body></html>"
)


def _receipt():
    from openkommune.forms.engine.output import AnswerRow, AnswerSection
    from openkommune.submissions.services.receipts import (
        Receipt,
        ReceiptAttachment,
        ReceiptAuthority,
    )

    halter = [
        ("Anlass", "Anmeldung eines Hundes"),
        ("Vorname", "Erika"),
        ("Nachname", "Beispiel (Benchmark, keine echte Person)"),
        ("Geburtsdatum", "17.05.1980"),
        ("Anschrift", "Breiter Weg 1\n39104 Magdeburg"),
        ("E-Mail", "erika.beispiel@example.de"),
        ("Telefon", "0391 123456"),
    ]
    hund = [
        ("Name des Hundes", "Bello"),
        ("Rasse", "Mischling"),
        ("Geschlecht", "Rüde"),
        ("Farbe", "schwarz"),
        ("Wurfdatum", "01.06.2024"),
        ("Chipnummer", "276098106543210"),
        ("Gehalten seit", "15.12.2025"),
        ("Herkunft", "Tierheim"),
        ("Gefährlicher Hund", "Nein"),
        ("Ermäßigung", "keine"),
    ]
    rows = lambda pairs: [AnswerRow(label, text, label) for label, text in pairs]  # noqa: E731
    return Receipt(
        reference="2026-MG-7K2Q9X",
        service_name="Hundesteuer Anmeldung",
        ozg_id="99105004000000",
        form_title="Hundesteuer: An- und Abmeldung",
        form_version=3,
        submitted_at=datetime.datetime(2026, 11, 22, 13, 5, tzinfo=datetime.UTC),
        gemeinde_name="Magdeburg, Landeshauptstadt",
        authority=ReceiptAuthority(
            name="Landeshauptstadt Magdeburg, Steueramt",
            address="Alter Markt 6, 39104 Magdeburg",
            email="hundesteuer@magdeburg.example.org",
            phone="0391 540-0",
        ),
        sections=[
            AnswerSection("halter", "Halterin oder Halter", rows(halter)),
            AnswerSection("hunde", "Hund 1", rows(hund)),
            AnswerSection("zahlung", "Zahlung", rows([("Zahlungsweise", "Überweisung")])),
        ],
        attachments=[
            ReceiptAttachment(
                "Nachweis Hund.pdf", "application/pdf", 48213, "9f" * 32, "not_scanned"
            )
        ],
        is_demo=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()

    os.environ.setdefault("OPENKOMMUNE_SECRET_KEY", "bench-only-not-a-secret")
    os.environ["DJANGO_SETTINGS_MODULE"] = "openkommune.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import warnings

    import django

    django.setup()
    warnings.filterwarnings("ignore", message="HarfBuzz-Subset")
    import weasyprint.pdf.fonts as weasy_fonts
    from weasyprint.text.fonts import FontConfiguration

    from openkommune.core import pdf
    from openkommune.submissions.services.receipts import render_receipt_pdf

    receipt = _receipt()
    harfbuzz = weasy_fonts.harfbuzz_subset

    def ours():
        return render_receipt_pdf(receipt)

    def before():
        kept = pdf._font_config
        weasy_fonts.harfbuzz_subset = None  # WeasyPrint falls back to fontTools
        pdf._font_config = FontConfiguration
        try:
            return render_receipt_pdf(receipt)
        finally:
            weasy_fonts.harfbuzz_subset, pdf._font_config = harfbuzz, kept

    def baseline():
        return pdf.html_to_pdf(TRIVIAL, identifier="probe")

    runs = {"baseline": baseline, "ours": ours, "before": before}
    sizes = {name: len(run()) for name, run in runs.items()}  # warm-up: imports, fonts
    times = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - started) * 1000)
    median = {name: statistics.median(values) for name, values in times.items()}

    print(f"{args.repeats} interleaved repeats, medians; HarfBuzz subsetter: {bool(harfbuzz)}")
    print(f"  baseline, one-paragraph PDF: {median['baseline']:7.1f} ms  {sizes['baseline']:>7} B")
    print(f"  receipt (ours):              {median['ours']:7.1f} ms  {sizes['ours']:>7} B")
    print(f"  receipt (before):            {median['before']:7.1f} ms  {sizes['before']:>7} B")
    print(f"  ours / baseline:             {median['ours'] / median['baseline']:7.1f} ×")
    print(f"  before / ours:               {median['before'] / median['ours']:7.1f} ×")
    cores = PEAK_PER_SECOND * median["ours"] / 1000
    print(
        f"  one receipt per submission at {PEAK_PER_SECOND}/s would need {cores:.1f} cores "
        f"of rendering alone"
    )


if __name__ == "__main__":
    main()
