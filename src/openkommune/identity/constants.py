"""BundID's SAML profile as this service provider speaks it (docs/identity.md).

Levels: BundID requests and returns the STORK QAA levels 1 to 4 as `AuthnContextClassRef`
(`STORK-QAA-Level-N`) and marks each attribute with `akdb:TrustLevel` (UNTERGEORDNET, NORMAL,
SUBSTANTIELL, HOCH, in that order the levels 1 to 4). The eIDAS levels of the OZG map onto
them: Level 1 is BundID's "Basisregistrierung" (user name and password), which meets no
eIDAS level; Level 2 "niedrig"; Level 3 "substanziell" (ELSTER certificate); Level 4 "hoch"
(online ID card, eAT, eID card). BundID's own logins today are 1, 3 and 4.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

AKDB_NAMESPACE = "https://www.akdb.de/request/2018/09"
AKDB_CLASSIC_UI_NAMESPACE = "https://www.akdb.de/request/2018/09/classic-ui/v1"
STORK_PREFIX = "STORK-QAA-Level-"


class TrustLevel(models.IntegerChoices):
    """STORK QAA level as BundID sends it; the value is the number."""

    UNTERGEORDNET = 1, _("Basisregistrierung (STORK-QAA-Level-1)")
    NORMAL = 2, _("niedrig (STORK-QAA-Level-2)")
    SUBSTANZIELL = 3, _("substanziell (STORK-QAA-Level-3)")
    HOCH = 4, _("hoch (STORK-QAA-Level-4, Online-Ausweis)")


# eIDAS name of each level (what the service page and the clerk see); level 1 has none.
EIDAS_NAMES = {
    TrustLevel.UNTERGEORDNET: _("Basisregistrierung"),
    TrustLevel.NORMAL: _("niedrig"),
    TrustLevel.SUBSTANZIELL: _("substanziell"),
    TrustLevel.HOCH: _("hoch"),
}

AKDB_TRUST_LEVELS = {
    "UNTERGEORDNET": TrustLevel.UNTERGEORDNET,
    "NORMAL": TrustLevel.NORMAL,
    "SUBSTANTIELL": TrustLevel.SUBSTANZIELL,
    "HOCH": TrustLevel.HOCH,
}


def stork_class_ref(level: int) -> str:
    return f"{STORK_PREFIX}{int(level)}"


def level_from_class_ref(value: str | None) -> TrustLevel | None:
    if not value or not value.startswith(STORK_PREFIX):
        return None
    number = value.removeprefix(STORK_PREFIX)
    if number not in {"1", "2", "3", "4"}:
        return None
    return TrustLevel(int(number))


# The attributes the platform requests (urn:oid names, NameFormat uri) and the account
# field each fills. `bpk2` is the pseudonym: the stable identifier of the person for this
# service provider.
ATTRIBUTES = {
    "urn:oid:1.3.6.1.4.1.25484.494450.3": ("bpk2", _("Pseudonym (bPK2)")),
    "urn:oid:2.5.4.42": ("given_name", _("Vorname")),
    "urn:oid:2.5.4.4": ("family_name", _("Familienname")),
    "urn:oid:1.2.40.0.10.2.1.1.55": ("birth_date", _("Geburtsdatum")),
    "urn:oid:1.3.6.1.5.5.7.9.2": ("birth_place", _("Geburtsort")),
    "urn:oid:2.5.4.16": ("street", _("Straße und Hausnummer")),
    "urn:oid:2.5.4.17": ("postal_code", _("Postleitzahl")),
    "urn:oid:2.5.4.7": ("locality", _("Ort")),
    "urn:oid:1.2.40.0.10.2.1.1.225599": ("country", _("Land")),
    "urn:oid:0.9.2342.19200300.100.1.3": ("email", _("E-Mail-Adresse")),
}
BPK2 = "urn:oid:1.3.6.1.4.1.25484.494450.3"
REQUIRED_ATTRIBUTES = {BPK2}
FIELD_LABELS = dict(ATTRIBUTES.values())
