"""Forms and versions for tests, written directly (the services have their own tests).
Other apps' tests use `published_version()` for a form to start applications on."""

import factory
from django.utils import timezone

from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.engine import data_json_schema, parse_definition
from openkommune.forms.models import FormDefinition, FormVersion
from tests.forms.helpers import field, raw_form


class FormDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormDefinition

    key = factory.Sequence(lambda n: f"testformular_{n}")
    title = factory.Sequence(lambda n: f"Testformular {n}")
    leika_keys = factory.LazyFunction(lambda: ["99000000000000"])


class FormVersionFactory(factory.django.DjangoModelFactory):
    """A draft by default; `published=True` or `retired=True` for the other states."""

    class Meta:
        model = FormVersion

    form = factory.SubFactory(FormDefinitionFactory)
    number = factory.Sequence(lambda n: n + 1)
    definition = factory.LazyAttribute(
        lambda o: raw_form(field("name", required=True), key=o.form.key)
    )

    class Params:
        published = factory.Trait(
            status=FormVersionStatus.PUBLISHED,
            published_at=factory.LazyFunction(timezone.now),
            data_schema=factory.LazyAttribute(
                lambda o: data_json_schema(parse_definition(o.definition))
            ),
        )
        retired = factory.Trait(
            status=FormVersionStatus.RETIRED,
            published_at=factory.LazyFunction(timezone.now),
            retired_at=factory.LazyFunction(timezone.now),
            data_schema=factory.LazyAttribute(
                lambda o: data_json_schema(parse_definition(o.definition))
            ),
        )


def published_version(raw: dict | None = None, *, number: int = 1) -> FormVersion:
    """A published version of `raw` (default: a one-field test form), its form created."""
    raw = raw or raw_form(field("name", required=True), key=f"testformular_p{number}")
    form = FormDefinition.objects.filter(key=raw["key"]).first() or FormDefinitionFactory(
        key=raw["key"], title=raw["title"], leika_keys=raw["leika_keys"]
    )
    return FormVersionFactory(form=form, number=number, definition=raw, published=True)
