"""Codes of the OZG catalogue and the LeiKa (Leistungskatalog der öffentlichen Verwaltung)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# 14 digits = "99" + Gruppierung (3) + Kennung (3) + Verrichtung (3) + Verrichtungsdetail (3).
# The "99" is part of the official definition (FIM calls them "99er-Schlüssel" because they
# always start with 99), so it is enforced, not just observed in the data.
LEIKA_KEY_REGEX = r"^99[0-9]{12}$"
LEIKA_KEY_LENGTH = 14
LEIKA_URN_PREFIX = "urn:de:fim:leika:leistung:"
OZG_ID_REGEX = r"^[0-9]{5}$"


class LageKind(models.TextChoices):
    LEBENSLAGE = "lebenslage", _("Lebenslage (Bürgerinnen und Bürger)")
    UNTERNEHMENSLAGE = "unternehmenslage", _("Unternehmenslage (Unternehmen)")
    # Never guessed: a Lage whose name is in neither list below is imported with this kind
    # and counted in the import summary, so someone reviews the lists.
    UNBEKANNT = "unbekannt", _("unbekannt")


# The catalogue files do not say whether a Lage addresses citizens or businesses. The rule
# is these two reviewed lists of official Lage names (OZG-Umsetzungskatalog, release 2019):
# the 16 Unternehmenslagen of the published overview plus "Querschnitt Unternehmen" (company
# registers, certificates), and all other Lagen of the release, including the catch-all
# "Querschnitt Bürger" and "Weitere Leistungen" (Fundsachen, Notfallrettung: citizens).
# A name in neither list (a new release, or the test entries "aaaaabbbbb" the source
# database contains) becomes LageKind.UNBEKANNT. Matching is on the exact official name.
UNTERNEHMENSLAGEN = frozenset(
    {
        "Abfall & Umweltschutz",
        "Anlagen & Stoffe",
        "Arbeitgeber sein",
        "Arbeitssicherheit",
        "Aus-, Weiterbildung & Sachkunde",
        "Auslandsgeschäft",
        "Ausschreibungen & öffentliche Aufträge",
        "Bauen & Immobilien",
        "Finanzierung & Förderung",
        "Forschung & Entwicklung",
        "Geschäftsauflösung & Unternehmensübergang",
        "Logistik & Transport",
        "Querschnitt Unternehmen",
        "Statistik- & Berichtspflichten",
        "Steuern & Abgaben",
        "Unternehmensstart & Gewerbezulassung",
        "Veranstaltungen",
    }
)
LEBENSLAGEN = frozenset(
    {
        "(Drohender) Arbeitsplatzverlust & -suche",
        "Adoption & Pflegekinder",
        "Altersvorsorge",
        "Arbeitsplatzwechsel",
        "Auslandsaufenthalt",
        "Auswanderung",
        "Behinderung",
        "Berufsausbildung",
        "Bootsbesitz",
        "Eheschließung",
        "Einwanderung",
        "Engagement & Beteiligung",
        "Finanzielle Existenzsicherung/Unterstützung bei finanziellen Problemen",
        "Fischen & Jagen",
        "Führerschein",
        "Geburt",
        "Gerichtliche und außergerichtliche Verfahren",
        "Gesundheitsvorsorge",
        "Hausbau & Immobilienerwerb",
        "Kfz-Besitz",
        "Kinderbetreuung",
        "Krankheit",
        "Naturkatastrophen",
        "Pflege",
        "Querschnitt Bürger",
        "Rechtsverstöße - Anzeigen und Hilfen für Opfer",
        "Rente & Soziale Entschädigung",
        "Scheidung",
        "Schule",
        "Steuererklärung",
        "Studium",
        "Tierhaltung",
        "Tod",
        "Trennung mit Kind",
        "Veranstaltung durchführen",
        "Weiterbildung",
        "Weitere Leistungen",
        "Wohnen & Umzug",
    }
)


class TypisierungCode(models.TextChoices):
    """LeiKa-Typ (code list urn:de:fim:leika:typisierung) as the catalogue uses it.

    Meanings per the NRW FAQ cited in the data README; it explains 2 and 3 together, and 6
    not at all. An unknown code is an import error: reading it as anything would mislead.
    """

    TYP_1 = "1", _("Typ 1: Regelung und Vollzug durch den Bund")
    TYP_2 = "2", _("Typ 2: Regelung durch den Bund, Vollzug durch Land oder Kommune")
    TYP_3 = "3", _("Typ 3: Regelung durch den Bund, Vollzug durch Land oder Kommune")
    TYP_2_3 = "2/3", _("Typ 2/3: Regelung durch den Bund, Vollzug durch Land oder Kommune")
    TYP_4 = "4", _("Typ 4: Regelung durch das Land, Vollzug durch Land oder Kommune")
    TYP_5 = "5", _("Typ 5: Regelung und Vollzug durch die Kommune")
    TYP_6 = "6", _("Typ 6: nicht erläutert")


class Ebene(models.TextChoices):
    """Administrative level that regulates or executes a service."""

    BUND = "bund", _("Bund")
    LAND = "land", _("Land")
    KOMMUNE = "kommune", _("Kommune")


# Who regulates and who executes, per code. Code 6 is absent on purpose (not explained).
TYPISIERUNG_EBENEN: dict[str, tuple[tuple[Ebene, ...], tuple[Ebene, ...]]] = {
    TypisierungCode.TYP_1: ((Ebene.BUND,), (Ebene.BUND,)),
    TypisierungCode.TYP_2: ((Ebene.BUND,), (Ebene.LAND, Ebene.KOMMUNE)),
    TypisierungCode.TYP_3: ((Ebene.BUND,), (Ebene.LAND, Ebene.KOMMUNE)),
    TypisierungCode.TYP_2_3: ((Ebene.BUND,), (Ebene.LAND, Ebene.KOMMUNE)),
    TypisierungCode.TYP_4: ((Ebene.LAND,), (Ebene.LAND, Ebene.KOMMUNE)),
    TypisierungCode.TYP_5: ((Ebene.KOMMUNE,), (Ebene.KOMMUNE,)),
}


class ResponsibleLevel(models.TextChoices):
    """The administrative level that executes an OZG-Leistung for a place.

    `verband` is the Verbandsgemeinde where the Gemeinde belongs to one (GV100AD kind 53),
    otherwise the (verbandsfreie) Gemeinde itself; `kreis` is the Landkreis or the
    kreisfreie Stadt. See docs/adr/0005-responsibility-rules.md.
    """

    GEMEINDE = "gemeinde", _("Gemeinde")
    VERBAND = "verband", _("Verbandsgemeinde oder verbandsfreie Gemeinde")
    KREIS = "kreis", _("Landkreis oder kreisfreie Stadt")
    LAND = "land", _("Land")
    BUND = "bund", _("Bund")


class ResponsibilitySource(models.TextChoices):
    """Why a level was chosen, shown to staff and in the API documentation."""

    OVERRIDE = "override", _("Regionale Ausnahme")
    RULE = "rule", _("Regel für die Leistung")
    TYPISIERUNG = "typisierung", _("Abgeleitet aus der Typisierung")
    FALLBACK = "fallback", _("Keine Angabe, Annahme Landkreis oder kreisfreie Stadt")


class ApplicationWayKind(models.TextChoices):
    """How a member's online Leistung is applied for (catalog.selectors.application_way)."""

    PLATFORM_FORM = "platform_form", _("Formular der Plattform")
    EXTERNAL_LINK = "external_link", _("eigener Online-Antrag (Link)")
