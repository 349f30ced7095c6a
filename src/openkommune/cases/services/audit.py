"""The hash chains of case events: appending, anchoring, verifying, redacting.

Chains (docs/adr/0012-audit-chains-per-case.md): every case has its own chain, so writers of
different cases of one authority never wait for each other (the writers of one case are
serialised by the case anyway). Events without a case, the anchors, and every event written
before per-case chains existed (migration `cases.0004`) form the tenant's chain. Each chain
has a head row (`AuditChainHead`) with its last sequence and hash, locked by its appenders.

Hashes (hex SHA-256):

- `payload_sha256` = SHA-256 of the payload as canonical JSON (keys sorted, no spaces,
  UTF-8). The payload is normalised through that JSON before it is stored, so what is
  stored is exactly what was hashed.
- `hash` = SHA-256 of the fields below joined by U+001F (unit separator, which none of them
  can contain): `prev_hash`, `sequence`, `kind`, `at` (UTC, ISO 8601 with microseconds),
  `actor_key`, `case_public_id` (empty for none), `payload_sha256`.

`prev_hash` of the first event of the tenant chain is `GENESIS_HASH`; that of the first event
of a case chain is `chain_genesis(tenant, case)`, which binds the chain to its tenant and
case. The head stores the last sequence and hash, so deleting the newest events is detected
too. The `actor` foreign key (which pages and exports use for the name) is not hashed;
`verify` requires it to be the hashed `actor_key` or empty (the user was deleted).

Anchoring: `anchor_chains` (a scheduled job) appends to each tenant chain one
`chains_anchored` event listing `[case id, sequence, hash]` of every case chain whose head
moved since its last anchor. `verify` checks every anchored entry against the case chain:
a case chain rewritten, truncated or deleted as a whole after it was anchored no longer
matches the tenant chain, and the hash of the anchor event, logged and printed outside the
database, commits to all of it.

Redaction (retention): personal data in the payload of old events must go, the chain must
stay verifiable. `redact_event_payload` blanks the payload and sets `redacted_at` but keeps
`payload_sha256` and `hash`; it appends, to each chain concerned, a `payload_redacted` event
naming the blanked sequences of that chain, itself chained. `verify` trusts the stored
`payload_sha256` of a redacted event (the payload it hashed no longer exists), requires the
payload to be empty, and requires a later `payload_redacted` event of the same chain naming
it: so the only thing that can be done to a past event without breaking the chain is an
announced, recorded blanking of its payload — kind, time, actor, case and position stay
verified, and the stored hash still proves what the payload was to anyone holding a copy
(e.g. an export made before).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.cases.constants import GENESIS_HASH, CaseEventKind
from openkommune.cases.models import AuditChainAnchor, AuditChainHead, CaseEvent
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import insert_scoped, scope, scopes_disabled

logger = logging.getLogger(__name__)

SEPARATOR = "\x1f"


def canonical_json(payload) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def normalise_payload(payload: dict | None) -> dict:
    """The payload as it comes back from the database: dates, UUIDs, decimals as strings."""
    return json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder))


def payload_hash(payload) -> str:
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def timestamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    prev_hash: str,
    sequence: int,
    kind: str,
    at: datetime,
    actor_key: str,
    case_public_id,
    payload_sha256: str,
) -> str:
    parts = [
        prev_hash,
        str(sequence),
        kind,
        timestamp(at),
        actor_key,
        str(case_public_id) if case_public_id else "",
        payload_sha256,
    ]
    return hashlib.sha256(SEPARATOR.join(parts).encode("utf-8")).hexdigest()


def _actor_key(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    return str(actor.pk)


def chain_genesis(tenant, case_public_id) -> str:
    """`prev_hash` of a chain's first event: `GENESIS_HASH` for the tenant chain, for a case
    chain a hash of the tenant's and the case's public ids (a chain cannot be passed off as
    another case's or another tenant's)."""
    if case_public_id is None:
        return GENESIS_HASH
    parts = ["openkommune-case-chain", str(tenant.public_id), str(case_public_id)]
    return hashlib.sha256(SEPARATOR.join(parts).encode("utf-8")).hexdigest()


def _insert_head(tenant, chain_key, *, sequence: int, digest: str) -> int | None:
    """Insert the head of a new chain; its id, or None when the chain already exists (a
    concurrent first appender won: PostgreSQL lets this wait until that one commits). One
    statement, no savepoint: `ON CONFLICT DO NOTHING` (PostgreSQL, SQLite 3.35+)."""
    connection = transaction.get_connection()
    meta = AuditChainHead._meta
    quote = connection.ops.quote_name
    columns = ("tenant_id", "case_public_id", "sequence", "hash")
    case_field = meta.get_field("case_public_id")
    values = [tenant.pk, case_field.get_db_prep_value(chain_key, connection), sequence, digest]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    return row[0] if row else None


def _head_query(tenant, chain_key):
    return AuditChainHead.objects.select_for_update().filter(
        tenant=tenant, case_public_id=chain_key
    )


def _locked_head(tenant, chain_key) -> AuditChainHead:
    """The chain's head, locked until the transaction ends; an empty one is created first if
    the chain has none (used by the anchoring job, which must hold the tenant chain before it
    reads what to anchor)."""
    head = _head_query(tenant, chain_key).first()
    if head is None:
        _insert_head(tenant, chain_key, sequence=0, digest=chain_genesis(tenant, chain_key))
        head = _head_query(tenant, chain_key).get()
    return head


def _append(
    *, tenant, chain_key, kind: str, actor, case, case_public_id, payload, new_chain=False
) -> CaseEvent:
    """Append one event to the chain `chain_key` (a case's public id, or None for the
    tenant chain). Three statements: lock the head, insert the event, move the head — or,
    for a chain's first event, insert the head already pointing at it, then the event
    (two statements when the caller knows the chain is new: `new_chain`)."""
    payload = normalise_payload(payload)
    actor_key = _actor_key(actor)
    digest = payload_hash(payload)

    def seal(prev_hash: str, sequence: int) -> tuple[datetime, str]:
        at = timezone.now()  # taken after the lock: times grow with the sequence
        return at, event_hash(
            prev_hash=prev_hash,
            sequence=sequence,
            kind=kind,
            at=at,
            actor_key=actor_key,
            case_public_id=case_public_id,
            payload_sha256=digest,
        )

    with scope(tenant=tenant):
        head = None if new_chain else _head_query(tenant, chain_key).first()
        if head is None:
            prev_hash, sequence = chain_genesis(tenant, chain_key), 1
            at, digest_event = seal(prev_hash, sequence)
            head_id = _insert_head(tenant, chain_key, sequence=sequence, digest=digest_event)
            if head_id is None:  # a concurrent first appender created it: wait for its lock
                head = _head_query(tenant, chain_key).get()
        if head is not None:
            head_id = head.pk
            prev_hash, sequence = head.hash, head.sequence + 1
            at, digest_event = seal(prev_hash, sequence)
        event = CaseEvent(
            tenant=tenant,
            chain_id=head_id,
            sequence=sequence,
            case=case,
            case_public_id=case_public_id,
            kind=kind,
            actor=actor if actor_key else None,
            actor_key=actor_key,
            at=at,
            payload=payload,
            payload_sha256=digest,
            prev_hash=prev_hash,
            hash=digest_event,
        )
        insert_scoped([event])  # a new row: `CaseEvent.save`'s guard has nothing to refuse
        if head is not None:
            AuditChainHead.objects.filter(pk=head.pk).update(sequence=sequence, hash=digest_event)
    return event


def append_event(
    *,
    tenant,
    kind: str,
    actor=None,
    case=None,
    case_public_id=None,
    payload: dict | None = None,
    new_chain: bool = False,
) -> CaseEvent:
    """Append one event: to the chain of its case (`case` or `case_public_id`), or to the
    tenant chain when it has none. Must run inside the transaction of the change it records
    (the chain's head stays locked until that commits).

    `new_chain`: the caller inserted the case in this transaction, so its chain has no head
    yet and none is looked for (should one exist after all, the insert of the head finds it
    and the event is appended to it, locked, as usual)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("append_event must run inside transaction.atomic().")
    public_id = case.public_id if case is not None else case_public_id
    return _append(
        tenant=tenant,
        chain_key=public_id,
        kind=kind,
        actor=actor,
        case=case,
        case_public_id=public_id,
        payload=payload,
        new_chain=new_chain and case is not None,
    )


# --- anchoring -----------------------------------------------------------------------------

# Case chains listed per anchor event (a larger backlog gets several anchor events).
ANCHOR_BATCH = 500


def anchor_chains(*, tenants=None) -> list[CaseEvent]:
    """Anchor the case chains that moved since their last anchor: per tenant, one
    `chains_anchored` event in the tenant chain per `ANCHOR_BATCH` chains, listing
    `[case id, sequence, hash]` of their current heads. Run it on a schedule; the hashes of
    the anchor events it returns (and logs) are worth keeping outside the database.

    Reads the case heads without locking them: a writer in the middle of a transaction is
    anchored by the next run. Holds only the tenant chain's head (so two runs do not anchor
    the same state twice)."""
    with scopes_disabled():
        moved = AuditChainHead.objects.filter(case_public_id__isnull=False).filter(
            Q(anchor__isnull=True) | Q(anchor__sequence__lt=F("sequence"))
        )
        if tenants is not None:
            moved = moved.filter(tenant__in=list(tenants))
        tenant_ids = sorted(set(moved.values_list("tenant_id", flat=True)))
        tenant_rows = Organisation.objects.in_bulk(tenant_ids)
    anchors = []
    for tenant_id in tenant_ids:
        anchors += _anchor_tenant(tenant_rows[tenant_id])
    return anchors


def _anchor_tenant(tenant) -> list[CaseEvent]:
    anchors = []
    with transaction.atomic(), scope(tenant=tenant):
        _locked_head(tenant, None)
        # Read after the lock: a run that anchored before us is visible, nothing twice.
        heads = list(
            AuditChainHead.objects.filter(tenant=tenant, case_public_id__isnull=False)
            .filter(Q(anchor__isnull=True) | Q(anchor__sequence__lt=F("sequence")))
            .order_by("pk")
            .values_list("pk", "case_public_id", "sequence", "hash")
        )
        for start in range(0, len(heads), ANCHOR_BATCH):
            batch = heads[start : start + ANCHOR_BATCH]
            event = _append(
                tenant=tenant,
                chain_key=None,
                kind=CaseEventKind.CHAINS_ANCHORED,
                actor=None,
                case=None,
                case_public_id=None,
                payload={"chains": [[str(case), seq, digest] for _pk, case, seq, digest in batch]},
            )
            AuditChainAnchor.objects.bulk_create(
                [
                    AuditChainAnchor(tenant=tenant, chain_id=pk, sequence=seq, hash=digest)
                    for pk, _case, seq, digest in batch
                ],
                update_conflicts=True,
                unique_fields=["chain"],
                update_fields=["sequence", "hash"],
            )
            anchors.append(event)
    for event in anchors:
        logger.info(
            "audit chains anchored: tenant %s, tenant chain event %d, %d case chains, hash %s",
            tenant.public_id,
            event.sequence,
            len(event.payload["chains"]),
            event.hash,
        )
    return anchors


# --- redaction -----------------------------------------------------------------------------


def redact_event_payload(event: CaseEvent, *, actor=None) -> CaseEvent:
    """Blank one event's payload (retention), keeping its hashes; records the redaction as
    a chained `payload_redacted` event. Returns that event."""
    return redact_events([event], actor=actor)


def redact_events(events, *, actor=None) -> CaseEvent | None:
    """Blank the payloads of `events` (one tenant) and append, to each chain they belong to,
    one `payload_redacted` event naming their sequences in that chain. Redaction and anchor
    events are never blanked (they hold only numbers and hashes). Returns the last appended
    event (that of the case chain when a case's events span two chains), or None when
    nothing needed blanking."""
    events = [
        e
        for e in events
        if e.redacted_at is None
        and e.kind not in (CaseEventKind.PAYLOAD_REDACTED, CaseEventKind.CHAINS_ANCHORED)
    ]
    if not events:
        return None
    tenants = {e.tenant_id for e in events}
    if len(tenants) != 1:
        raise ValueError("Redact the events of one tenant at a time.")
    tenant = events[0].tenant
    now = timezone.now()
    recorded = None
    with transaction.atomic():
        # The default manager refuses updates of events; this is the one sanctioned change,
        # done through the plain base manager.
        CaseEvent._base_manager.filter(pk__in=[e.pk for e in events]).update(
            payload={}, redacted_at=now
        )
        for e in events:
            e.payload = {}
            e.redacted_at = now
        keys = dict(
            AuditChainHead._base_manager.filter(pk__in={e.chain_id for e in events}).values_list(
                "pk", "case_public_id"
            )
        )
        # The tenant chain (key None) first: its events are the older ones.
        for chain_id in sorted(keys, key=lambda pk: (keys[pk] is not None, pk)):
            own = [e for e in events if e.chain_id == chain_id]
            case_ids = {e.case_public_id for e in own}
            recorded = _append(
                tenant=tenant,
                chain_key=keys[chain_id],
                kind=CaseEventKind.PAYLOAD_REDACTED,
                actor=actor,
                case=None,
                case_public_id=case_ids.pop() if len(case_ids) == 1 else None,
                payload={"sequences": sorted(e.sequence for e in own)},
            )
    return recorded


# --- verification --------------------------------------------------------------------------


@dataclass
class ChainReport:
    """The result for one tenant: its tenant chain, every case chain, the anchors."""

    tenant_id: int
    tenant_name: str
    chains: int = 0
    events: int = 0
    redacted: int = 0
    anchors: int = 0
    broken_sequence: int | None = None
    message: str = ""
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken_sequence is None and not self.message


_VERIFY_FIELDS = (
    "chain_id",
    "sequence",
    "kind",
    "at",
    "actor_key",
    "actor_id",
    "case_public_id",
    "payload",
    "payload_sha256",
    "prev_hash",
    "hash",
    "redacted_at",
)


class _Broken(Exception):
    def __init__(self, sequence: int | None, message: str):
        super().__init__(message)
        self.sequence = sequence
        self.message = message


@dataclass
class _Walk:
    """What walking one chain found: its length and end, the hashes at the sequences asked
    for (anchored ones), and the anchors it holds (tenant chain)."""

    events: int = 0
    redacted: int = 0
    last_hash: str = GENESIS_HASH
    hashes: dict[int, str] = field(default_factory=dict)
    anchors: list[tuple[int, list]] = field(default_factory=list)


def _walk(rows, *, genesis: str, case_key, wanted=frozenset()) -> _Walk:
    """Recompute one chain from its rows (in sequence order); raises `_Broken` at the first
    broken event. `case_key`: the case of a case chain (each event must name it), None for
    the tenant chain."""
    walk = _Walk(last_hash=genesis)
    expected = 1
    unannounced: set[int] = set()
    for row in rows:
        values = dict(zip(_VERIFY_FIELDS, row, strict=True))
        sequence = values["sequence"]
        if sequence != expected:
            if sequence < expected:
                text = _("Ereignis Nr. %(n)d kommt mehrfach vor.") % {"n": sequence}
            else:
                text = _("Ereignis Nr. %(n)d fehlt (gelöscht?).") % {"n": expected}
            raise _Broken(min(sequence, expected), text)
        if values["prev_hash"] != walk.last_hash:
            raise _Broken(
                sequence,
                _(
                    "Ereignis Nr. %(n)d verweist nicht auf das vorige Ereignis "
                    "(eingefügt, entfernt oder umsortiert)."
                )
                % {"n": sequence},
            )
        if case_key is not None and values["case_public_id"] != case_key:
            raise _Broken(
                sequence,
                _("Ereignis Nr. %(n)d gehört nicht zu diesem Vorgang.") % {"n": sequence},
            )
        if values["redacted_at"] is not None:
            walk.redacted += 1
            if values["payload"] not in ({}, None):
                raise _Broken(
                    sequence,
                    _("Ereignis Nr. %(n)d ist als geschwärzt markiert, hat aber Angaben.")
                    % {"n": sequence},
                )
            unannounced.add(sequence)
        elif payload_hash(values["payload"]) != values["payload_sha256"]:
            raise _Broken(
                sequence,
                _("Die Angaben von Ereignis Nr. %(n)d wurden verändert.") % {"n": sequence},
            )
        if values["redacted_at"] is None:
            if values["kind"] == CaseEventKind.PAYLOAD_REDACTED:
                unannounced.difference_update(values["payload"].get("sequences", []))
            elif values["kind"] == CaseEventKind.CHAINS_ANCHORED and case_key is None:
                walk.anchors.append((sequence, values["payload"].get("chains", [])))
        recomputed = event_hash(
            prev_hash=walk.last_hash,
            sequence=sequence,
            kind=values["kind"],
            at=values["at"],
            actor_key=values["actor_key"],
            case_public_id=values["case_public_id"],
            payload_sha256=values["payload_sha256"],
        )
        if recomputed != values["hash"]:
            raise _Broken(
                sequence,
                _(
                    "Ereignis Nr. %(n)d wurde verändert (Art, Zeitpunkt, Person oder "
                    "Vorgang passen nicht zum Prüfwert)."
                )
                % {"n": sequence},
            )
        # The hash covers `actor_key` only; pages and exports name the person through the
        # `actor` foreign key, so that must point at the hashed id (or be empty: the user
        # was deleted) - otherwise re-pointing it would pass unnoticed.
        actor_id = values["actor_id"]
        if actor_id is not None and str(actor_id) != values["actor_key"]:
            raise _Broken(
                sequence,
                _(
                    "Ereignis Nr. %(n)d wurde verändert (die verknüpfte Person passt nicht "
                    "zum Prüfwert)."
                )
                % {"n": sequence},
            )
        if sequence in wanted:
            walk.hashes[sequence] = values["hash"]
        walk.last_hash = values["hash"]
        walk.events += 1
        expected += 1
    if unannounced:
        first = min(unannounced)
        raise _Broken(
            first,
            _("Die Angaben von Ereignis Nr. %(n)d wurden ohne Protokollereignis entfernt.")
            % {"n": first},
        )
    return walk


def _check_head(walk: _Walk, head: AuditChainHead | None, genesis: str) -> None:
    """The head must name the chain's last event: deleting the newest events (or appending
    behind the service's back) is detected."""
    head_sequence = head.sequence if head else 0
    head_hash = head.hash if head else genesis
    if head_sequence == walk.events and head_hash == walk.last_hash:
        return
    if head_sequence > walk.events:
        raise _Broken(
            walk.events + 1,
            _("Ereignis Nr. %(n)d fehlt (die neuesten Ereignisse wurden gelöscht).")
            % {"n": walk.events + 1},
        )
    raise _Broken(
        walk.events,
        _("Das Kettenende passt nicht zum letzten Ereignis Nr. %(n)d.") % {"n": walk.events},
    )


def _anchored_entries(walk: _Walk) -> dict[str, list[tuple[int, str, int]]]:
    """Case id -> [(sequence, hash, anchor event's sequence)] from the tenant chain."""
    anchored: dict[str, list[tuple[int, str, int]]] = {}
    for anchor_sequence, chains in walk.anchors:
        for entry in chains:
            try:
                case, sequence, digest = str(entry[0]), int(entry[1]), str(entry[2])
            except (TypeError, ValueError, IndexError):
                raise _Broken(
                    anchor_sequence,
                    _("Die Verankerung in Ereignis Nr. %(n)d ist unlesbar.")
                    % {"n": anchor_sequence},
                ) from None
            anchored.setdefault(case, []).append((sequence, digest, anchor_sequence))
    return anchored


def _check_anchors(walk: _Walk, entries, head: AuditChainHead) -> None:
    """Every anchored (sequence, hash) of this case chain must still be in it; the job's
    bookkeeping (`AuditChainAnchor`) must name the last of them."""
    for sequence, digest, anchor_sequence in entries:
        found = walk.hashes.get(sequence)
        if found is None:
            raise _Broken(
                sequence,
                _(
                    "Ereignis Nr. %(n)d fehlt, ist aber in Ereignis Nr. %(a)d der "
                    "Organisationskette verankert."
                )
                % {"n": sequence, "a": anchor_sequence},
            )
        if found != digest:
            raise _Broken(
                sequence,
                _(
                    "Ereignis Nr. %(n)d passt nicht zur Verankerung in Ereignis Nr. %(a)d "
                    "der Organisationskette (Kette neu berechnet?)."
                )
                % {"n": sequence, "a": anchor_sequence},
            )
    last = max(entries, key=lambda entry: entry[2], default=None)
    mark = getattr(head, "anchor", None)
    marked = (mark.sequence, mark.hash) if mark is not None else None
    if marked != (last[:2] if last else None):
        raise _Broken(
            head.sequence,
            _("Der Stand der Verankerung passt nicht zu den Verankerungen der Organisationskette."),
        )


def _verify_case_chain(report: ChainReport, tenant, head, rows, anchored) -> None:
    entries = anchored.pop(str(head.case_public_id), [])
    genesis = chain_genesis(tenant, head.case_public_id)
    walk = _walk(
        rows,
        genesis=genesis,
        case_key=head.case_public_id,
        wanted=frozenset(sequence for sequence, _digest, _a in entries),
    )
    _check_head(walk, head, genesis)
    _check_anchors(walk, entries, head)
    report.chains += 1
    report.events += walk.events
    report.redacted += walk.redacted


@contextmanager
def _snapshot():
    """One consistent view of all chains while they are verified: on PostgreSQL a
    read-only REPEATABLE READ transaction (writers go on; a head and its events are read as
    of one moment). Inside a caller's transaction, that transaction decides."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def verify_chain(tenant) -> ChainReport:
    """Recompute every chain of the tenant and check the anchors; the report names the first
    broken event (for a case chain, with the case's id)."""
    report = ChainReport(tenant_id=tenant.pk, tenant_name=str(tenant))
    label = ""
    try:
        with _snapshot(), scopes_disabled():
            heads = {
                head.pk: head
                for head in AuditChainHead.objects.filter(tenant_id=tenant.pk).select_related(
                    "anchor"
                )
            }
            tenant_head = next((h for h in heads.values() if h.case_public_id is None), None)
            events = CaseEvent.objects.filter(tenant_id=tenant.pk).values_list(*_VERIFY_FIELDS)
            own = events.filter(chain_id=tenant_head.pk) if tenant_head else events.none()
            walk = _walk(
                own.order_by("sequence").iterator(chunk_size=2000),
                genesis=GENESIS_HASH,
                case_key=None,
            )
            _check_head(walk, tenant_head, GENESIS_HASH)
            report.chains = 1 if tenant_head else 0
            report.events, report.redacted = walk.events, walk.redacted
            report.anchors = len(walk.anchors)
            anchored = _anchored_entries(walk)
            others = events.exclude(chain_id=tenant_head.pk) if tenant_head else events
            rows = others.order_by("chain_id", "sequence").iterator(chunk_size=2000)
            case_heads = {pk: h for pk, h in heads.items() if h.case_public_id is not None}
            groups = itertools.groupby(rows, key=lambda row: row[0])
            for chain_id, group in groups:
                head = case_heads.pop(chain_id)  # the foreign key guarantees it
                label = _("Vorgang %(case)s: ") % {"case": head.case_public_id}
                _verify_case_chain(report, tenant, head, group, anchored)
            for head in case_heads.values():  # heads of chains without events
                label = _("Vorgang %(case)s: ") % {"case": head.case_public_id}
                _verify_case_chain(report, tenant, head, (), anchored)
            label = ""
            for case, entries in sorted(anchored.items()):
                anchor_sequence = entries[0][2]
                raise _Broken(
                    anchor_sequence,
                    _(
                        "Die Kette des Vorgangs %(case)s fehlt, ist aber in Ereignis Nr. "
                        "%(a)d verankert."
                    )
                    % {"case": case, "a": anchor_sequence},
                )
    except _Broken as broken:
        report.broken_sequence = broken.sequence
        report.message = label + broken.message
    return report


def verify_all(*, tenants) -> list[ChainReport]:
    return [verify_chain(tenant) for tenant in tenants]
