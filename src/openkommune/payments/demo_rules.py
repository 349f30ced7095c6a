"""Demo fee rules (labelled as such): what `load_demo` sets for the demo members, and the
tests use. The amounts are invented and the legal references are examples ("Beispiel"):
no member's Gebührensatzung is reproduced here."""

BEWOHNERPARKAUSWEIS = {
    "form_key": "bewohnerparkausweis",
    "legal_basis": (
        "Beispiel (Demo): § 6a Abs. 5a StVG i. V. m. der Gebührenordnung für "
        "Bewohnerparkausweise der Gemeinde"
    ),
    "pay_when": "submission",
    "rule": {
        "items": [
            {
                "label": "Ausweis für 6 Monate",
                "amount": "15.00",
                "when": {"field": "laufzeit", "equals": "6"},
            },
            {
                "label": "Ausweis für 12 Monate",
                "amount": "30.00",
                "when": {"field": "laufzeit", "equals": "12"},
            },
            {
                "label": "Ausweis für 24 Monate",
                "amount": "60.00",
                "when": {"field": "laufzeit", "equals": "24"},
            },
        ]
    },
}

SONDERNUTZUNG = {
    "form_key": "sondernutzung",
    "legal_basis": "Beispiel (Demo): § 18 StrG LSA i. V. m. der Sondernutzungssatzung der Gemeinde",
    "pay_when": "submission",
    "rule": {
        "items": [
            {"label": "Verwaltungsgebühr", "amount": "10.00"},
            {
                "label": "Sondernutzung je m² und Tag",
                "amount": "0.10",
                "per": [
                    {"product": ["laenge_m", "breite_m"], "unit": "m²"},
                    {"days": ["beginn", "ende"], "unit": "Tage"},
                ],
            },
        ],
        "minimum": "20.00",
        "maximum": "2000.00",
        "reductions": [
            {
                "label": "Ermäßigung für gemeinnützige Zwecke",
                "percent": "50",
                "when": {"field": "gemeinnuetzig", "equals": True},
            }
        ],
        "free": [
            {
                "label": "Informationsstand eines gemeinnützigen Trägers",
                "when": {
                    "all": [
                        {"field": "nutzungsart", "equals": "infostand"},
                        {"field": "gemeinnuetzig", "equals": True},
                    ]
                },
            }
        ],
    },
}

DEMO_RULES = (BEWOHNERPARKAUSWEIS, SONDERNUTZUNG)
