"""Run in a process of its own on a fault test's database (DATABASE_URL), as the platform
would: `python -m tests.support.fault_platform`. Makes the test member Landeshauptstadt
Magdeburg offer Hundehaltung online (the `hundesteuer` form, loaded with the official data)
and prints the published version of that form as JSON. Used by tests/faults/conftest.py."""

import json
import sys

import django


def main() -> None:
    django.setup()
    from openkommune.catalog.selectors import ozg_leistung_get
    from openkommune.catalog.services import service_activation_set
    from openkommune.forms.selectors import form_current_version
    from openkommune.tenancy.scoping import scopes_disabled
    from tests.submissions.factories import HUNDEHALTUNG, magdeburg_member

    with scopes_disabled():
        service_activation_set(
            tenant=magdeburg_member(),
            actor=None,
            ozg_leistung=ozg_leistung_get(ozg_id=HUNDEHALTUNG),
            is_active=True,
            contact_email="hundesteuer@magdeburg.example.org",
        )
        version = form_current_version(key="hundesteuer").number
    sys.stdout.write(json.dumps({"hundesteuer_version": version}))


if __name__ == "__main__":
    main()
