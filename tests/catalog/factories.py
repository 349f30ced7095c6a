"""Factories for catalogue entries. Identifiers are chosen outside the official ranges
(Themenfeld/Lage IDs from 1000, OZG-IDs from 20000, LeiKa keys 999999…) so they never
collide with the real catalogue that the test session imports."""

import factory

from openkommune.catalog import codes
from openkommune.catalog.constants import LageKind
from openkommune.catalog.models import Lage, LeikaAssignment, LeikaService, OzgLeistung, Themenfeld


class ThemenfeldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Themenfeld

    official_id = factory.Sequence(lambda n: 1000 + n)
    name = factory.Sequence(lambda n: f"Beispiel-Themenfeld {n}")


class LageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lage

    official_id = factory.Sequence(lambda n: 1000 + n)
    name = factory.Sequence(lambda n: f"Beispiel-Lage {n}")
    themenfeld = factory.SubFactory(ThemenfeldFactory)
    kind = LageKind.LEBENSLAGE

    class Params:
        unternehmen = factory.Trait(kind=LageKind.UNTERNEHMENSLAGE)


class OzgLeistungFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OzgLeistung

    ozg_id = factory.Sequence(lambda n: f"{20000 + n:05d}")
    name = factory.Sequence(lambda n: f"Beispiel-OZG-Leistung {n}")
    lage = factory.SubFactory(LageFactory)
    themenfeld = factory.SelfAttribute("lage.themenfeld")

    class Params:
        retired = factory.Trait(is_current=False)


class LeikaServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeikaService

    key = factory.Sequence(lambda n: f"999999{n:08d}")
    name = factory.Sequence(lambda n: f"Beispiel-LeiKa-Leistung {n}")
    typisierung = "5"
    typisierung_codes = factory.LazyAttribute(lambda o: codes.parse_typisierung(o.typisierung))
    executed_by_kommune = factory.LazyAttribute(
        lambda o: codes.executed_by_kommune(o.typisierung_codes)
    )

    class Params:
        retired = factory.Trait(is_current=False)


class LeikaAssignmentFactory(factory.django.DjangoModelFactory):
    """A row linking a LeiKa service to an OZG-Leistung, with the service's values."""

    class Meta:
        model = LeikaAssignment

    leika_service = factory.SubFactory(LeikaServiceFactory)
    ozg_leistung = factory.SubFactory(OzgLeistungFactory)
    leika_key = factory.SelfAttribute("leika_service.key")
    ozg_id = factory.SelfAttribute("ozg_leistung.ozg_id")
    name = factory.SelfAttribute("leika_service.name")
    typisierung = factory.SelfAttribute("leika_service.typisierung")
    typisierung_codes = factory.SelfAttribute("leika_service.typisierung_codes")
    executed_by_kommune = factory.SelfAttribute("leika_service.executed_by_kommune")
    im_leika = True

    class Params:
        # A row "nicht im LeiKa": no key, no service.
        ohne_schluessel = factory.Trait(
            leika_service=None,
            leika_key="",
            im_leika=False,
            name=factory.Sequence(lambda n: f"Leistung ohne LeiKa-Schlüssel {n}"),
            typisierung="",
            typisierung_codes=[],
            executed_by_kommune=False,
        )
