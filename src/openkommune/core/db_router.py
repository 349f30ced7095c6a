"""Read replica: read-only reference-data queries go to a streaming replica.

When `DATABASE_REPLICA_URL` is set, `DATABASES["replica"]` is a PostgreSQL hot standby fed by
streaming replication from the primary (`DATABASES["default"]`), and `ReplicaRouter` sends
reads of the models in `REPLICA_MODELS` there: the OZG/LeiKa catalogue, the territorial units
and postcodes, and the search index. These are reference data, filled only by the operator's
imports (`import_catalog`, `import_regions`, `rebuild_search_index`); the same for every
visitor, never tenant-owned, never personal. A replica may lag the primary by a moment, so a
just-imported catalogue appears there a moment later: harmless for reference data.

Everything else stays on the primary: tenant data and personal data (applications, cases,
accounts, activations, audit records) must be read where it was just written, and
`ResponsibilityOverride`, kept by cooperative staff in the admin, must show their change at
once. Reads inside a transaction (`atomic`) stay on the primary too, so a transaction that
wrote sees its own writes and reads one consistent snapshot. Every write goes to the
primary; a hot standby would refuse one anyway. Migrations run only on the primary (the
replica receives them through replication).

Raw SQL on reference tables (the search's full-text candidates) takes its connection from
`connection_for_read(model)` to follow the same rule.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections, router

REPLICA = "replica"

REPLICA_MODELS = frozenset(
    {
        "catalog.themenfeld",
        "catalog.lage",
        "catalog.ozgleistung",
        "catalog.leikaservice",
        "catalog.leikaassignment",
        "regions.region",
        "regions.postcodearea",
        "search.searchdocument",
        "search.searchindexstate",
    }
)


class ReplicaRouter:
    """Reads of reference data outside transactions → `replica`; everything else → `default`."""

    def db_for_read(self, model, **hints):
        if (
            model._meta.label_lower in REPLICA_MODELS
            and REPLICA in connections.settings
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        # Explicitly the primary, also for a related object of a row read from the replica
        # (Django would otherwise follow the instance's database).
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


def connection_for_read(model):
    """The connection a read of `model` uses (for raw SQL on its table)."""
    return connections[router.db_for_read(model)]
