"""Inventory files and helpers for the planner's tests."""

from pathlib import Path

from openkommune.printplanner.constants import SAMPLE_FILE_NAME

SAMPLE = (
    Path(__file__).resolve().parents[2] / "src/openkommune/printplanner/demo" / SAMPLE_FILE_NAME
)
HEADER = (
    "standort;beschaeftigte;modell;geraetetyp;druckart;beschaffung;leasingrate_monat;kaufpreis;"
    "zeitraum_von;zeitraum_bis;seiten_mono;seiten_farbe;toner_mono_seite;toner_farbe_seite;"
    "service_seite;energie_seite"
)


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


# Two sites, three devices: the example of tests/printplanner/test_calculation.py.
GOOD_ROWS = (
    "A;20;Testdrucker mono;drucker;mono;leasing;30,00;;01.03.2026;14.03.2026;1400;;"
    "0,0200;;0,0050;0,0010",
    "A;;Testdrucker Farbe;drucker;farbe;kauf;;500,00;01.03.2026;28.03.2026;2800;1400;"
    "0,0200;0,1000;0,0100;0,0020",
    "B;4;Testdrucker klein;;mono;kauf;;200,00;2026-03-01;2026-03-28;560;0;0,0300;;0;0,0010",
)
