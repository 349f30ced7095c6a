"""Run in a process of its own with DATABASE_URL (primary) and DATABASE_REPLICA_URL set, as
the platform would run: `python -m tests.support.replica_probe <command> <args>`; prints what
it saw as JSON. Used by tests/core/test_replica.py while the replica's replay is paused.

- `read <ozg_id>...`: each OZG-Leistung's name and the database it was read from;
- `paused <ozg_id> <other_ozg_id>`: reads, a read inside a transaction that wrote, a save
  of a row read from the replica, a new account read back; and every statement the replica
  connection ran.
"""

import json
import sys

import django


def _read(ozg_ids):
    from openkommune.catalog.models import OzgLeistung

    rows = {}
    for ozg_id in ozg_ids:
        row = OzgLeistung.objects.get(ozg_id=ozg_id)
        rows[ozg_id] = {"name": row.name, "db": row._state.db}
    return rows


def _paused(ozg_id, other_ozg_id):
    from django.contrib.auth import get_user_model
    from django.db import connections, transaction
    from django.test.utils import CaptureQueriesContext

    from openkommune.catalog.models import OzgLeistung
    from openkommune.regions.models import PostcodeArea, Region
    from openkommune.search.models import SearchDocument

    seen = {}
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        seen["read"] = _read([ozg_id])[ozg_id]
        seen["other_dbs"] = {
            "region": Region.objects.order_by("pk").first()._state.db,
            "postcode": PostcodeArea.objects.order_by("pk").first()._state.db,
            "search": SearchDocument.objects.order_by("pk").first()._state.db,
        }
        with transaction.atomic():
            OzgLeistung.objects.filter(ozg_id=ozg_id).update(name="Im Vorgang geändert")
            inside = OzgLeistung.objects.get(ozg_id=ozg_id)
            seen["in_transaction"] = {"name": inside.name, "db": inside._state.db}
            transaction.set_rollback(True)
        other = OzgLeistung.objects.get(ozg_id=other_ozg_id)
        seen["other_read_db"] = other._state.db
        other.name = "Gespeichert über die Anwendung"
        other.save(update_fields=["name"])
        seen["other_after_save"] = _read([other_ozg_id])[other_ozg_id]
        user = get_user_model().objects.create_user(email="replica-probe@example.org")
        found = get_user_model().objects.filter(pk=user.pk).first()
        seen["account_read_back"] = found is not None and found._state.db
    seen["replica_statements"] = [query["sql"] for query in on_replica.captured_queries]
    return seen


def main(argv):
    django.setup()
    command, *args = argv
    result = _read(args) if command == "read" else _paused(*args)
    sys.stdout.write(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
