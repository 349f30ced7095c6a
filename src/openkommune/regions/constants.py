from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    """Levels of the official key hierarchy (ARS), from the GV100AD record types."""

    LAND = "land", _("Land")
    REGIERUNGSBEZIRK = "regierungsbezirk", _("Regierungsbezirk")
    KREIS = "kreis", _("Kreis")
    GEMEINDEVERBAND = "gemeindeverband", _("Gemeindeverband")
    GEMEINDE = "gemeinde", _("Gemeinde")


class RegionKind(models.TextChoices):
    """The GV100AD 'Textkennzeichen' of Kreise, Gemeindeverbände and Gemeinden.

    Only the codes whose meaning is stated in the record description are named; anything else
    the importer meets is kept as its raw code so that a new official code is never lost.
    """

    KREISFREIE_STADT = "41", _("Kreisfreie Stadt")
    STADTKREIS = "42", _("Stadtkreis")
    KREIS = "43", _("Kreis")
    LANDKREIS = "44", _("Landkreis")
    REGIONALVERBAND = "45", _("Regionalverband")
    VERBANDSFREIE_GEMEINDE = "50", _("Verbandsfreie Gemeinde")
    AMT = "51", _("Amt")
    SAMTGEMEINDE = "52", _("Samtgemeinde")
    VERBANDSGEMEINDE = "53", _("Verbandsgemeinde")
    VERWALTUNGSGEMEINSCHAFT = "54", _("Verwaltungsgemeinschaft")
    KIRCHSPIELSLANDGEMEINDE = "55", _("Kirchspielslandgemeinde")
    VERWALTUNGSVERBAND = "56", _("Verwaltungsverband")
    VG_TRAEGERMODELL = "57", _("Verwaltungsgemeinschaft (Trägermodell)")
    ERFUELLENDE_GEMEINDE = "58", _("Erfüllende Gemeinde")
    MARKT = "60", _("Markt")
    KREISFREIE_STADT_GEMEINDE = "61", _("Kreisfreie Stadt")
    STADTKREIS_GEMEINDE = "62", _("Stadtkreis")
    STADT = "63", _("Stadt")
    KREISANGEHOERIGE_GEMEINDE = "64", _("Kreisangehörige Gemeinde")
    GEMEINDEFREIES_GEBIET_BEWOHNT = "65", _("Gemeindefreies Gebiet, bewohnt")
    GEMEINDEFREIES_GEBIET_UNBEWOHNT = "66", _("Gemeindefreies Gebiet, unbewohnt")
    GROSSE_KREISSTADT = "67", _("Große Kreisstadt")
