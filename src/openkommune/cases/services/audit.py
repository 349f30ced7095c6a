"""The hash chain of case events: appending, verifying, redacting.

Hashes (hex SHA-256):

- `payload_sha256` = SHA-256 of the payload as canonical JSON (keys sorted, no spaces,
  UTF-8). The payload is normalised through that JSON before it is stored, so what is
  stored is exactly what was hashed.
- `hash` = SHA-256 of the fields below joined by U+001F (unit separator, which none of them
  can contain): `prev_hash`, `sequence`, `kind`, `at` (UTC, ISO 8601 with microseconds),
  `actor_key`, `case_public_id` (empty for none), `payload_sha256`.

`prev_hash` of the first event of a tenant is `GENESIS_HASH`; `AuditChainHead` stores the last
sequence and hash, so deleting the newest events is detected too. The `actor` foreign key (which
pages and exports use for the name) is not hashed; `verify` requires it to be the hashed
`actor_key` or empty (the user was deleted).

Redaction (retention): personal data in the payload of old events must go, the chain must
stay verifiable. `redact_event_payload` blanks the payload and sets `redacted_at` but keeps
`payload_sha256` and `hash`; it appends a `payload_redacted` event naming the blanked
sequences, itself chained. `verify` trusts the stored `payload_sha256` of a redacted event
(the payload it hashed no longer exists), requires the payload to be empty, and requires a
later `payload_redacted` event naming it: so the only thing that can be done to a past
event without breaking the chain is an announced, recorded blanking of its payload — kind,
time, actor, case and position stay verified, and the stored hash still proves what the
payload was to anyone holding a copy (e.g. an export made before).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.cases.constants import GENESIS_HASH, CaseEventKind
from openkommune.cases.models import AuditChainHead, CaseEvent
from openkommune.tenancy.scoping import scope, scopes_disabled

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


def _locked_head(tenant) -> AuditChainHead:
    """The tenant's chain head, locked until the transaction ends. Created on first use; two
    first appenders race on the unique tenant, the loser re-reads the winner's row."""
    head = AuditChainHead.objects.select_for_update().filter(tenant=tenant).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            AuditChainHead.objects.create(tenant=tenant)
    except IntegrityError:
        pass
    return AuditChainHead.objects.select_for_update().get(tenant=tenant)


def append_event(
    *,
    tenant,
    kind: str,
    actor=None,
    case=None,
    case_public_id=None,
    payload: dict | None = None,
) -> CaseEvent:
    """Append one event to the tenant's chain. Must run inside the transaction of the change
    it records (the head stays locked until that commits)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("append_event must run inside transaction.atomic().")
    payload = normalise_payload(payload)
    public_id = case.public_id if case is not None else case_public_id
    with scope(tenant=tenant):
        head = _locked_head(tenant)
        # Taken after the lock: times grow with the sequence.
        at = timezone.now()
        sequence = head.sequence + 1
        actor_key = _actor_key(actor)
        digest = payload_hash(payload)
        event = CaseEvent(
            tenant=tenant,
            sequence=sequence,
            case=case,
            case_public_id=public_id,
            kind=kind,
            actor=actor if actor_key else None,
            actor_key=actor_key,
            at=at,
            payload=payload,
            payload_sha256=digest,
            prev_hash=head.hash,
            hash=event_hash(
                prev_hash=head.hash,
                sequence=sequence,
                kind=kind,
                at=at,
                actor_key=actor_key,
                case_public_id=public_id,
                payload_sha256=digest,
            ),
        )
        event.save(force_insert=True)
        head.sequence = sequence
        head.hash = event.hash
        head.save(update_fields=["sequence", "hash"])
    return event


# --- redaction -----------------------------------------------------------------------------


def redact_event_payload(event: CaseEvent, *, actor=None) -> CaseEvent:
    """Blank one event's payload (retention), keeping its hashes; records the redaction as
    a chained `payload_redacted` event. Returns that event."""
    return redact_events([event], actor=actor)


def redact_events(events, *, actor=None) -> CaseEvent | None:
    """Blank the payloads of `events` (one tenant) and append one `payload_redacted` event
    naming their sequences. Redaction events themselves are never blanked (they hold only
    numbers). Returns the appended event, or None when nothing needed blanking."""
    events = [
        e for e in events if e.redacted_at is None and e.kind != CaseEventKind.PAYLOAD_REDACTED
    ]
    if not events:
        return None
    tenants = {e.tenant_id for e in events}
    if len(tenants) != 1:
        raise ValueError("Redact the events of one tenant at a time.")
    case_ids = {e.case_public_id for e in events}
    now = timezone.now()
    with transaction.atomic():
        # The default manager refuses updates of events; this is the one sanctioned change,
        # done through the plain base manager.
        CaseEvent._base_manager.filter(pk__in=[e.pk for e in events]).update(
            payload={}, redacted_at=now
        )
        for e in events:
            e.payload = {}
            e.redacted_at = now
        return append_event(
            tenant=events[0].tenant,
            kind=CaseEventKind.PAYLOAD_REDACTED,
            actor=actor,
            case_public_id=case_ids.pop() if len(case_ids) == 1 else None,
            payload={"sequences": sorted(e.sequence for e in events)},
        )


# --- verification --------------------------------------------------------------------------


@dataclass
class ChainReport:
    tenant_id: int
    tenant_name: str
    events: int = 0
    redacted: int = 0
    broken_sequence: int | None = None
    message: str = ""
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken_sequence is None and not self.message


_VERIFY_FIELDS = (
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


def _broken(report: ChainReport, sequence: int | None, message: str) -> ChainReport:
    report.broken_sequence = sequence
    report.message = message
    return report


def verify_chain(tenant) -> ChainReport:
    """Recompute the tenant's chain; the report names the first broken event."""
    report = ChainReport(tenant_id=tenant.pk, tenant_name=str(tenant))
    expected = 1
    prev = GENESIS_HASH
    unannounced: set[int] = set()
    with scopes_disabled():
        rows = (
            CaseEvent.objects.filter(tenant_id=tenant.pk)
            .order_by("sequence")
            .values_list(*_VERIFY_FIELDS)
            .iterator(chunk_size=2000)
        )
        head = AuditChainHead.objects.filter(tenant_id=tenant.pk).first()
        for row in rows:
            values = dict(zip(_VERIFY_FIELDS, row, strict=True))
            sequence = values["sequence"]
            if sequence != expected:
                if sequence < expected:
                    text = _("Ereignis Nr. %(n)d kommt mehrfach vor.") % {"n": sequence}
                else:
                    text = _("Ereignis Nr. %(n)d fehlt (gelöscht?).") % {"n": expected}
                return _broken(report, min(sequence, expected), text)
            if values["prev_hash"] != prev:
                return _broken(
                    report,
                    sequence,
                    _(
                        "Ereignis Nr. %(n)d verweist nicht auf das vorige Ereignis "
                        "(eingefügt, entfernt oder umsortiert)."
                    )
                    % {"n": sequence},
                )
            if values["redacted_at"] is not None:
                report.redacted += 1
                if values["payload"] not in ({}, None):
                    return _broken(
                        report,
                        sequence,
                        _("Ereignis Nr. %(n)d ist als geschwärzt markiert, hat aber Angaben.")
                        % {"n": sequence},
                    )
                unannounced.add(sequence)
            elif payload_hash(values["payload"]) != values["payload_sha256"]:
                return _broken(
                    report,
                    sequence,
                    _("Die Angaben von Ereignis Nr. %(n)d wurden verändert.") % {"n": sequence},
                )
            if values["kind"] == CaseEventKind.PAYLOAD_REDACTED and values["redacted_at"] is None:
                unannounced.difference_update(values["payload"].get("sequences", []))
            recomputed = event_hash(
                prev_hash=prev,
                sequence=sequence,
                kind=values["kind"],
                at=values["at"],
                actor_key=values["actor_key"],
                case_public_id=values["case_public_id"],
                payload_sha256=values["payload_sha256"],
            )
            if recomputed != values["hash"]:
                return _broken(
                    report,
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
                return _broken(
                    report,
                    sequence,
                    _(
                        "Ereignis Nr. %(n)d wurde verändert (die verknüpfte Person passt nicht "
                        "zum Prüfwert)."
                    )
                    % {"n": sequence},
                )
            prev = values["hash"]
            expected += 1
            report.events += 1
    if unannounced:
        first = min(unannounced)
        return _broken(
            report,
            first,
            _("Die Angaben von Ereignis Nr. %(n)d wurden ohne Protokollereignis entfernt.")
            % {"n": first},
        )
    head_sequence = head.sequence if head else 0
    head_hash = head.hash if head else GENESIS_HASH
    if head_sequence != report.events or head_hash != prev:
        missing = report.events + 1
        if head_sequence > report.events:
            text = _("Ereignis Nr. %(n)d fehlt (die neuesten Ereignisse wurden gelöscht).") % {
                "n": missing
            }
        else:
            text = _("Das Kettenende passt nicht zum letzten Ereignis Nr. %(n)d.") % {
                "n": report.events
            }
        return _broken(report, missing if head_sequence > report.events else report.events, text)
    return report


def verify_all(*, tenants) -> list[ChainReport]:
    return [verify_chain(tenant) for tenant in tenants]
