"""Benchmark: saving and previewing a 200-field form in the form studio, against a 10-field
form measured in the same run.

    .venv/bin/python bench/studio_form.py [--repeats 15] [--fields 200]

Builds a fresh temporary SQLite database (migrate only; no reference data needed) with one
cooperative staff member, and two studio drafts made by the same builder: the big form
(`--fields`, default 200: steps of 10 fields of mixed types — text, numbers, dates, choices
from code lists, Ja/Nein, e-mail, addresses — with a repeated group and conditions on
earlier answers) and a 10-field form as the baseline. Then, interleaved, through Django's
test client and the whole middleware stack, as a staff member in the browser does it:

- save: `POST …/element/<last field>/` — the studio's field editor saving the last field
  of the form with a changed label: the editor's form (its condition inputs offer every
  earlier field), the new definition built by `studio.editing`, parsed whole by the engine
  (`forms.services.form_version_edit`), stored and audited;
- save, service only: `studio.services.studio_edit` with the same change, without the page;
- preview page: `GET …/vorschau/?schritt=<last step>` — the citizen's view of the last
  screen rendered by the engine's templates (conditions evaluated against the whole form).

Prints medians in milliseconds, the ratio big/baseline, and the targets of issue 18
(save under 1 s, preview page under 200 ms).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAVE_TARGET_MS = 1000
PREVIEW_TARGET_MS = 200
TYPES = ["text", "integer", "date", "choice", "boolean", "email", "decimal", "text", "phone"]


def build_definition(key: str, fields: int) -> dict:
    """A valid definition of about `fields` fields: steps of ten, the applicant marked, a
    repeated group on the second step and a condition on each step after the first."""
    code_lists = {
        "auswahl": {
            "title": "Auswahl",
            "entries": [{"code": f"c{n}", "label": f"Eintrag {n}"} for n in range(1, 9)],
        }
    }
    steps = [
        {
            "id": "person",
            "title": "Antragstellerin",
            "items": [
                {"kind": "field", "id": "name", "type": "text", "label": "Name", "required": True},
                {"kind": "field", "id": "email", "type": "email", "label": "E-Mail-Adresse"},
                {"kind": "field", "id": "anschrift", "type": "address", "label": "Anschrift"},
                {"kind": "field", "id": "weiter", "type": "boolean", "label": "Weitere Angaben?"},
            ],
        }
    ]
    count = 4
    number = 0
    while count < fields:
        number += 1
        items = []
        for index in range(min(8, fields - count)):
            kind = TYPES[(number + index) % len(TYPES)]
            item = {
                "kind": "field",
                "id": f"f{number}_{index}",
                "type": kind,
                "label": f"Frage {number}.{index + 1}",
            }
            if kind == "choice":
                item["choices"] = "auswahl"
                item["widget"] = "select"
            if index % 3 == 0:
                item["required"] = True
            items.append(item)
            count += 1
        if number == 1 and count < fields:
            items = items[:6]
            count -= 2
            items.append(
                {
                    "kind": "group",
                    "id": "eintraege",
                    "title": "Eintrag",
                    "repeat": {"min": 1, "max": 5, "item_label": "Eintrag"},
                    "items": [
                        {"kind": "field", "id": "e_name", "type": "text", "label": "Bezeichnung"},
                        {"kind": "field", "id": "e_anzahl", "type": "integer", "label": "Anzahl"},
                    ],
                }
            )
            count += 2
        step = {"id": f"s{number}", "title": f"Abschnitt {number}", "items": items}
        step["visible_if"] = {"field": "weiter", "equals": True}
        steps.append(step)
    return {
        "format": 1,
        "key": key,
        "title": f"Benchmark-Formular ({fields} Felder)",
        "leika_keys": ["99000000000000"],
        "source": {"kind": "manual"},
        "applicant": {"name": "name", "email": "email", "address": "anschrift"},
        "code_lists": code_lists,
        "steps": steps,
    }


def field_count(definition: dict) -> int:
    def walk(items):
        total = 0
        for item in items:
            total += walk(item["items"]) if item["kind"] == "group" else 1
        return total

    return sum(walk(step["items"]) for step in definition["steps"])


def _setup(database: Path):
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("OPENKOMMUNE_SECRET_KEY", "bench-only-not-a-secret")
    os.environ["OPENKOMMUNE_TASKS_BACKEND"] = "django.tasks.backends.immediate.ImmediateBackend"
    os.environ["OPENKOMMUNE_SECURE_SSL_REDIRECT"] = "false"
    os.environ["OPENKOMMUNE_ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "openkommune.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _staff():
    from openkommune.accounts.models import User
    from openkommune.tenancy.constants import OrganisationKind, Role
    from openkommune.tenancy.models import Membership, Organisation
    from openkommune.tenancy.scoping import scopes_disabled

    with scopes_disabled():
        cooperative = Organisation.objects.create(
            name="Genossenschaft (Benchmark)",
            short_name="Benchmark",
            kind=OrganisationKind.GENOSSENSCHAFT,
            is_cooperative=True,
        )
        user = User.objects.create_user("bench-staff@example.org", None)
        Membership.objects.create(tenant=cooperative, user=user, role=Role.COOPERATIVE_STAFF)
    return user


def _client(user):
    from django.test import Client

    from openkommune.twofactor.constants import VERIFIED_SESSION_KEY

    client = Client()
    client.force_login(user)
    session = client.session
    session[VERIFIED_SESSION_KEY] = {"user": user.pk, "method": "bench"}
    session.save()
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--fields", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        _setup(Path(tmp) / "bench.sqlite3")
        from django.conf import settings
        from django.test.utils import override_settings

        from openkommune.forms.models import FormVersion
        from openkommune.forms.services import form_version_create
        from openkommune.studio import editing
        from openkommune.studio.forms import FieldForm
        from openkommune.studio.services import studio_edit

        # Pages link static files; the bench runs without `collectstatic`.
        plain_static = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        user = _staff()
        client = _client(user)
        forms = {}
        for name, size in (("baseline", 10), ("big", args.fields)):
            definition = build_definition(f"bench_{name}", size)
            version = form_version_create(actor=user, definition=definition, new_form=True)
            last_step = definition["steps"][-1]
            last_field = last_step["items"][-1]["id"]
            forms[name] = (version, last_step["id"], last_field, field_count(definition))
        print(f"set-up {time.perf_counter() - started:.1f} s; fields: big "
              f"{forms['big'][3]}, baseline {forms['baseline'][3]}")  # fmt: skip

        def url(version, rest=""):
            return f"/genossenschaft/formular-studio/{version.form.key}/{version.number}/{rest}"

        # The preview's answers of the first screen (in the session): "Weitere Angaben?" Ja
        # opens the later steps, so the measured screen shows its fields.
        seeding = override_settings(STORAGES=plain_static)
        seeding.enable()
        for version, _step, _field, _n in forms.values():
            response = client.post(
                url(version, "vorschau/"),
                {
                    "_schritt": "person",
                    "name": "Erika Beispiel (Benchmark)",
                    "email": "erika@example.org",
                    "anschrift.street": "Breiter Weg",
                    "anschrift.house_number": "1",
                    "anschrift.postcode": "39104",
                    "anschrift.city": "Magdeburg",
                    "weiter": "ja",
                },
            )
            assert response.status_code == 302, response.content[:3000]
        seeding.disable()

        counter = {"n": 0}

        def post_data(name) -> dict:
            """What the field editor posts for the last field as shown (its inputs)."""
            version, _step, field_id, _n = forms[name]
            version = FormVersion.objects.get(pk=version.pk)
            item = editing.find(version.definition, field_id).item
            form = FieldForm(definition=version.definition, original=item, condition_fields=[])
            data = {}
            for key in form.fields:
                value = form[key].value()
                if isinstance(value, bool):
                    if value:
                        data[key] = "on"
                elif value is not None:
                    data[key] = value
            return data

        posted = {name: post_data(name) for name in forms}

        def save_page(name):
            version, _step, field_id, _n = forms[name]
            counter["n"] += 1
            data = {**posted[name], "label": f"Frage geändert {counter['n']}"}
            response = client.post(url(version, f"element/{field_id}/"), data)
            assert response.status_code == 302, response.content[:2000]

        def save_service(name):
            version, _step, field_id, _n = forms[name]
            version = FormVersion.objects.get(pk=version.pk)
            counter["n"] += 1
            item = dict(editing.find(version.definition, field_id).item)
            item["label"] = f"Frage geändert {counter['n']}"
            new = editing.replace_item(version.definition, field_id, item)
            studio_edit(actor=user, version=version, definition=new, change="Benchmark")

        def preview(name):
            version, step_id, _field, _n = forms[name]
            response = client.get(url(version, f"vorschau/?schritt={step_id}"))
            assert response.status_code == 200
            assert b"Frage " in response.content  # the step's fields are rendered

        runs = {
            ("save", "big"): lambda: save_page("big"),
            ("save", "baseline"): lambda: save_page("baseline"),
            ("service", "big"): lambda: save_service("big"),
            ("service", "baseline"): lambda: save_service("baseline"),
            ("preview", "big"): lambda: preview("big"),
            ("preview", "baseline"): lambda: preview("baseline"),
        }
        with override_settings(STORAGES=plain_static):
            for run in runs.values():  # warm-up: templates, caches
                run()
            times = {key: [] for key in runs}
            for _ in range(args.repeats):
                for key, run in runs.items():
                    begin = time.perf_counter()
                    run()
                    times[key].append((time.perf_counter() - begin) * 1000)
        median = {key: statistics.median(values) for key, values in times.items()}

    print(f"{args.repeats} interleaved repeats, medians in ms (SQLite, test client, whole stack)")
    labels = {
        "save": "save through the field editor (POST)",
        "service": "save, service only (studio_edit)",
        "preview": "preview page of the last step (GET)",
    }
    for what, label in labels.items():
        big, base = median[(what, "big")], median[(what, "baseline")]
        print(f"  {label:40s} big {big:8.1f}  baseline {base:7.1f}  ratio {big / base:5.1f} ×")
    save = median[("save", "big")]
    page = median[("preview", "big")]
    print(
        f"  targets: save < {SAVE_TARGET_MS} ms: {'met' if save < SAVE_TARGET_MS else 'MISSED'}"
        f" ({save:.0f} ms); preview < {PREVIEW_TARGET_MS} ms: "
        f"{'met' if page < PREVIEW_TARGET_MS else 'MISSED'} ({page:.0f} ms)"
    )


if __name__ == "__main__":
    main()
