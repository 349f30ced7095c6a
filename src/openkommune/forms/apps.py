from django.apps import AppConfig


def _published_form_title(ozg_leistung) -> str | None:
    from openkommune.forms.selectors import form_for_leistung

    version = form_for_leistung(ozg_leistung=ozg_leistung)
    return version.form.title if version is not None else None


def _form_trust_level(ozg_leistung) -> int | None:
    from openkommune.forms.selectors import form_for_leistung

    version = form_for_leistung(ozg_leistung=ozg_leistung)
    return version.form.min_trust_level if version is not None else None


class FormsConfig(AppConfig):
    name = "openkommune.forms"
    label = "forms"

    def ready(self):
        # The catalogue lets a member switch a Leistung online only with a way to apply:
        # this app tells it whether a published form of the platform exists.
        from openkommune.catalog.selectors import (
            register_form_trust_level_finder,
            register_platform_form_finder,
        )

        register_platform_form_finder(_published_form_title)
        register_form_trust_level_finder(_form_trust_level)
