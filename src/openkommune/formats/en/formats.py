"""Dates, times and numbers of the English interface in British notation (Django's "en"
formats are American: 03/05/2024, 2:30 p.m.). Used by `core.formatting` and the templates'
`date`/`time` filters with format names (SHORT_DATE_FORMAT, TIME_FORMAT) while English is
active; German stays Django's "de". What a citizen types into a form is read in the form's
own notation (TT.MM.JJJJ, 12,50), whatever the interface language (forms.engine.rendering).
docs/translation.md."""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y, H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d.%m.%Y"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
