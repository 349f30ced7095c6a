"""The hash chains of case events and `verify_audit`: intact chains pass (exit 0); a changed
payload, kind, time or actor, a deleted, reordered or inserted event is detected (exit 1) —
in a case's chain and in the tenant chain; anchors catch a case chain rewritten, truncated or
deleted as a whole after it was anchored (ADR 0012)."""

from __future__ import annotations

import datetime as dt
import itertools
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from openkommune.cases.constants import GENESIS_HASH, CaseEventKind, CaseStatus
from openkommune.cases.models import (
    AuditChainAnchor,
    AuditChainHead,
    Case,
    CaseEvent,
    CaseEventImmutableError,
)
from openkommune.cases.selectors import case_events
from openkommune.cases.selectors.history import history_entries
from openkommune.cases.services import audit, case_add_note, case_transition
from openkommune.cases.services.audit import (
    anchor_chains,
    append_event,
    chain_genesis,
    event_hash,
    payload_hash,
    redact_event_payload,
    redact_events,
    verify_chain,
)
from openkommune.delivery.export import history_document
from openkommune.tenancy.scoping import scope, scopes_disabled
from tests.cases.factories import clerk_of, open_case, other_tenant, private_media  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

# Tampering goes around the model's guard (as someone with database access would).
raw = CaseEvent._base_manager


def worked_case():
    """A case with five events: opened, in progress, a note, dormant, in progress."""
    case = open_case()
    actor = clerk_of(case.tenant)
    case_transition(tenant=case.tenant, actor=actor, case=case, to=CaseStatus.IN_PROGRESS)
    case_add_note(tenant=case.tenant, actor=actor, case=case, text="Halterin angerufen.")
    case_transition(
        tenant=case.tenant, actor=actor, case=case, to=CaseStatus.DORMANT, reason="Urlaub"
    )
    case_transition(tenant=case.tenant, actor=actor, case=case, to=CaseStatus.IN_PROGRESS)
    return case


def second_chain():
    """Another tenant with a chain of one event (no case needed for the chain)."""
    tenant = other_tenant()
    with transaction.atomic():
        append_event(tenant=tenant, kind=CaseEventKind.EXPORTED, payload={"note": "Test"})
    return tenant


def event(case, sequence: int) -> CaseEvent:
    """Event `sequence` of the case's own chain."""
    return raw.get(chain__case_public_id=case.public_id, sequence=sequence)


def head_of(case) -> AuditChainHead:
    with scopes_disabled():
        return AuditChainHead.objects.get(case_public_id=case.public_id)


def seal(e: CaseEvent) -> str:
    return event_hash(
        prev_hash=e.prev_hash,
        sequence=e.sequence,
        kind=e.kind,
        at=e.at,
        actor_key=e.actor_key,
        case_public_id=e.case_public_id,
        payload_sha256=e.payload_sha256,
    )


def rewrite_case_chain(case, change) -> None:
    """What someone with write access to the database and this code can do: change events of
    a case chain with `change(event)` and recompute every hash after it, and the head — the
    chain is consistent again."""
    prev = chain_genesis(case.tenant, case.public_id)
    events = list(raw.filter(chain__case_public_id=case.public_id).order_by("sequence"))
    for e in events:
        change(e)
        e.payload_sha256 = payload_hash(e.payload)
        e.prev_hash = prev
        e.hash = seal(e)
        raw.filter(pk=e.pk).update(
            payload=e.payload, payload_sha256=e.payload_sha256, prev_hash=prev, hash=e.hash
        )
        prev = e.hash
    AuditChainHead._base_manager.filter(case_public_id=case.public_id).update(
        sequence=len(events), hash=prev
    )


def verify(*args) -> str:
    out = StringIO()
    call_command("verify_audit", *args, stdout=out, stderr=out)
    return out.getvalue()


def verify_fails(*args) -> str:
    err = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit", *args, stdout=StringIO(), stderr=err)
    assert failed.value.returncode == 1
    return err.getvalue()


# --- intact ----------------------------------------------------------------------------------


def test_the_chain_links_every_event_to_the_previous_one():
    case = worked_case()
    events = list(raw.filter(tenant=case.tenant).order_by("sequence"))
    assert [e.sequence for e in events] == [1, 2, 3, 4, 5]
    assert {e.chain_id for e in events} == {head_of(case).pk}
    assert events[0].prev_hash == chain_genesis(case.tenant, case.public_id)
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    for e in events:
        assert e.payload_sha256 == payload_hash(e.payload)
        assert e.hash == seal(e)
    head = head_of(case)
    assert (head.sequence, head.hash) == (5, events[-1].hash)


def test_intact_chains_pass_with_exit_code_0():
    worked_case()
    out = verify()
    assert "Prüfprotokolle intakt: 1 Organisationen, 1 Ketten, 5 Ereignisse." in out


def test_verbose_names_every_chain_with_its_counts():
    case = worked_case()
    second = second_chain()
    out = verify("--verbose")
    assert f"{case.tenant.name} ({case.tenant.public_id}): 1 Ketten, 5 Ereignisse" in out
    assert f"{second.name} ({second.public_id}): 1 Ketten, 1 Ereignisse" in out
    assert "2 Organisationen, 2 Ketten, 6 Ereignisse" in out


def test_each_tenant_has_its_own_chain():
    first = worked_case()
    second = second_chain()
    ours = raw.filter(tenant=second).get()
    assert ours.sequence == 1
    assert ours.prev_hash == GENESIS_HASH
    assert ours.chain.case_public_id is None
    assert raw.filter(tenant=first.tenant).count() == 5


def test_each_case_has_its_own_chain_and_events_without_a_case_the_tenant_chain():
    first = worked_case()
    second = open_case(name="Max Mustermann")
    assert second.tenant == first.tenant
    with transaction.atomic():
        loose = append_event(tenant=first.tenant, kind=CaseEventKind.EXPORTED)
    assert event(second, 1).prev_hash == chain_genesis(first.tenant, second.public_id)
    assert event(first, 1).prev_hash != event(second, 1).prev_hash
    assert event(second, 1).chain_id != event(first, 1).chain_id
    assert (loose.sequence, loose.prev_hash, loose.chain.case_public_id) == (1, GENESIS_HASH, None)
    assert "1 Organisationen, 3 Ketten, 7 Ereignisse" in verify()


def test_no_events_no_chains():
    assert "0 Ketten, 0 Ereignisse" in verify()


# --- tampering -------------------------------------------------------------------------------


def test_changed_payload_is_detected():
    case = worked_case()
    raw.filter(pk=event(case, 3).pk).update(payload={"note": "x", "text": "Nie angerufen."})
    err = verify_fails()
    assert "Die Angaben von Ereignis Nr. 3 wurden verändert." in err
    assert case.tenant.name in err


def test_changed_payload_with_a_fitting_payload_hash_is_detected():
    case = worked_case()
    forged = {"from": "received", "to": "in_progress", "reason": "anders"}
    raw.filter(pk=event(case, 2).pk).update(payload=forged, payload_sha256=payload_hash(forged))
    assert "Ereignis Nr. 2 wurde verändert" in verify_fails()


def test_changed_kind_is_detected():
    case = worked_case()
    raw.filter(pk=event(case, 2).pk).update(kind=CaseEventKind.ASSIGNED)
    assert "Ereignis Nr. 2 wurde verändert" in verify_fails()


def test_changed_time_is_detected():
    case = worked_case()
    e = event(case, 4)
    raw.filter(pk=e.pk).update(at=e.at - dt.timedelta(days=3))
    assert "Ereignis Nr. 4 wurde verändert" in verify_fails()


def test_changed_actor_is_detected():
    case = worked_case()
    someone = clerk_of(case.tenant)
    raw.filter(pk=event(case, 2).pk).update(actor=someone, actor_key=str(someone.pk))
    assert "Ereignis Nr. 2 wurde verändert" in verify_fails()


def test_changed_actor_link_alone_is_detected_and_names_nobody():
    """The hash covers the stored actor id; pages and exports read the name through the
    foreign key. Re-pointing only that key must not pass or show the other person."""
    case = worked_case()
    original = event(case, 2)
    assert original.actor_key
    someone = clerk_of(case.tenant, first_name="Falsche", last_name="Person")
    raw.filter(pk=original.pk).update(actor=someone)  # actor_key and hashes unchanged
    message = verify_fails()
    assert "Ereignis Nr. 2 wurde verändert (die verknüpfte Person passt nicht" in message
    events = list(case_events(tenant=case.tenant, case=case))
    entry = history_entries(events)[1]
    assert "Falsche" not in entry.actor
    assert "passt nicht zum Prüfprotokoll" in entry.actor
    exported = history_document(case.public_id, case.reference, events)["events"][1]
    assert exported["actor"] == {"id": original.actor_key, "name": ""}


def test_actor_link_emptied_by_deleting_the_user_still_verifies():
    case = worked_case()
    actor = event(case, 2).actor
    actor.delete()  # SET_NULL: the hashed id stays in actor_key
    assert event(case, 2).actor_id is None
    assert "intakt" in verify()


def test_deleted_event_is_detected():
    case = worked_case()
    raw.filter(pk=event(case, 3).pk).delete()
    assert "Ereignis Nr. 3 fehlt" in verify_fails()


def test_deleted_newest_event_is_detected_by_the_chain_head():
    case = worked_case()
    raw.filter(pk=event(case, 5).pk).delete()
    assert "Ereignis Nr. 5 fehlt (die neuesten Ereignisse wurden gelöscht)" in verify_fails()


def test_reordered_events_are_detected():
    case = worked_case()
    two, three = event(case, 2), event(case, 3)
    with transaction.atomic():
        raw.filter(pk=two.pk).update(sequence=0)
        raw.filter(pk=three.pk).update(sequence=2)
        raw.filter(pk=two.pk).update(sequence=3)
    assert "Ereignis Nr. 2 verweist nicht auf das vorige Ereignis" in verify_fails()


def test_inserted_event_is_detected():
    """A forged event with a correct hash of its own, slipped in as Nr. 3: the following
    event no longer points at its predecessor."""
    case = worked_case()
    for sequence in (5, 4, 3):
        raw.filter(pk=event(case, sequence).pk).update(sequence=sequence + 1)
    before = event(case, 2)
    payload = {"note": "gefälscht", "text": "Vorgang darf gelöscht werden."}
    forged = CaseEvent(
        tenant=case.tenant,
        chain=before.chain,
        sequence=3,
        case=case,
        case_public_id=case.public_id,
        kind=CaseEventKind.NOTE_ADDED,
        at=before.at,
        payload=payload,
        payload_sha256=payload_hash(payload),
        prev_hash=before.hash,
    )
    forged.hash = event_hash(
        prev_hash=before.hash,
        sequence=3,
        kind=forged.kind,
        at=forged.at,
        actor_key="",
        case_public_id=case.public_id,
        payload_sha256=forged.payload_sha256,
    )
    forged.save(force_insert=True)
    err = verify_fails()
    assert "Ereignis Nr. 4" in err


def test_event_appended_outside_the_service_is_detected_by_the_head():
    case = worked_case()
    last = event(case, 5)
    payload = {}
    extra = CaseEvent(
        tenant=case.tenant,
        chain=last.chain,
        sequence=6,
        case_public_id=case.public_id,
        kind=CaseEventKind.EXPORTED,
        at=last.at,
        payload=payload,
        payload_sha256=payload_hash(payload),
        prev_hash=last.hash,
    )
    extra.hash = seal(extra)
    extra.save(force_insert=True)
    assert "Das Kettenende passt nicht zum letzten Ereignis Nr. 6." in verify_fails()


def test_messages_of_a_case_chain_name_the_case():
    case = worked_case()
    raw.filter(pk=event(case, 2).pk).update(kind=CaseEventKind.ASSIGNED)
    assert f"Vorgang {case.public_id}: Ereignis Nr. 2 wurde verändert" in verify_fails()


def test_event_of_another_case_in_a_case_chain_is_detected():
    """A correctly hashed event naming another case, appended to this case's chain (head
    moved along): the chain is consistent, but the event does not belong to it."""
    case = worked_case()
    last = event(case, 5)
    other = open_case(name="Max Mustermann")
    extra = CaseEvent(
        tenant=case.tenant,
        chain=last.chain,
        sequence=6,
        case_public_id=other.public_id,
        kind=CaseEventKind.EXPORTED,
        at=last.at,
        payload={},
        payload_sha256=payload_hash({}),
        prev_hash=last.hash,
    )
    extra.hash = seal(extra)
    extra.save(force_insert=True)
    AuditChainHead._base_manager.filter(pk=last.chain_id).update(sequence=6, hash=extra.hash)
    assert "Ereignis Nr. 6 gehört nicht zu diesem Vorgang." in verify_fails()


def test_a_case_chain_passed_off_as_another_case_is_detected():
    """Re-labelling a whole chain (head and events) as another case's fails at its first
    event: the chain's start is bound to tenant and case."""
    case = worked_case()
    other = open_case(name="Max Mustermann")
    with transaction.atomic():
        raw.filter(case_public_id=other.public_id)._raw_delete(using="default")
        AuditChainHead._base_manager.filter(case_public_id=other.public_id).delete()
    # The events keep their hashes (they name the old case); only the labels change.
    AuditChainHead._base_manager.filter(case_public_id=case.public_id).update(
        case_public_id=other.public_id
    )
    raw.filter(case_public_id=case.public_id).update(case_public_id=other.public_id)
    message = verify_fails()
    assert f"Vorgang {other.public_id}: Ereignis Nr. 1 verweist nicht auf das vorige" in message


def test_only_the_changed_tenant_is_reported_and_tenant_option_limits_the_check():
    changed = worked_case()
    intact = second_chain()
    raw.filter(pk=event(changed, 2).pk).update(kind=CaseEventKind.EXPORTED)
    err = verify_fails()
    assert changed.tenant.name in err
    assert intact.name not in err
    assert "1 Ketten" in verify("--tenant", str(intact.public_id))
    assert "Nr. 2" in verify_fails("--tenant", str(changed.tenant.public_id))


@pytest.mark.parametrize("value", ["kein-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_tenant_is_an_error(value):
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit", "--tenant", value, stdout=StringIO())
    assert failed.value.returncode == 2
    assert "Keine Organisation" in str(failed.value)


# --- the ORM guard ---------------------------------------------------------------------------


def test_events_cannot_be_changed_or_deleted_through_the_orm():
    case = worked_case()
    with scope(tenant=case.tenant):
        e = CaseEvent.objects.get(sequence=2)
        with pytest.raises(CaseEventImmutableError):
            CaseEvent.objects.filter(pk=e.pk).update(kind="x")
        with pytest.raises(CaseEventImmutableError):
            CaseEvent.objects.filter(pk=e.pk).delete()
        e.kind = CaseEventKind.EXPORTED
        with pytest.raises(CaseEventImmutableError):
            e.save()
        with pytest.raises(CaseEventImmutableError):
            e.delete()
    verify()


def test_append_needs_a_transaction():
    case = open_case()
    conn = transaction.get_connection()
    # pytest-django runs each test in a transaction; pretend to be outside one.
    in_block = conn.in_atomic_block
    conn.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError):
            append_event(tenant=case.tenant, kind=CaseEventKind.EXPORTED)
    finally:
        conn.in_atomic_block = in_block


def test_deleting_the_case_keeps_its_events_and_the_chain():
    case = worked_case()
    with scope(tenant=case.tenant):
        Case.objects.filter(pk=case.pk).delete()
    events = list(raw.filter(tenant=case.tenant))
    assert len(events) == 5
    assert {e.case_id for e in events} == {None}
    assert {e.case_public_id for e in events} == {case.public_id}
    verify()


# --- redaction -------------------------------------------------------------------------------


def test_redacted_payloads_keep_the_chain_verifiable():
    case = worked_case()
    note = event(case, 3)
    recorded = redact_event_payload(note)
    note = event(case, 3)
    assert note.payload == {}
    assert note.redacted_at is not None
    assert note.payload_sha256 == payload_hash(
        {"note": note_payload_id(case), "text": "Halterin angerufen."}
    )
    assert recorded.kind == CaseEventKind.PAYLOAD_REDACTED
    assert recorded.payload == {"sequences": [3]}
    assert recorded.sequence == 6
    assert recorded.chain_id == note.chain_id
    out = verify("--verbose")
    assert "6 Ereignisse, davon 1 mit entfernten Angaben" in out


def note_payload_id(case) -> str:
    with scope(tenant=case.tenant):
        return str(case.notes.get().public_id)


def test_redacting_a_case_at_once_is_one_event_and_redaction_events_stay():
    case = worked_case()
    with transaction.atomic():
        recorded = redact_events(list(raw.filter(tenant=case.tenant)))
    assert recorded.payload == {"sequences": [1, 2, 3, 4, 5]}
    # Again: everything is already blank, the redaction event itself is never blanked.
    assert redact_events(list(raw.filter(tenant=case.tenant))) is None
    verify()


def test_redaction_without_its_record_is_detected():
    case = worked_case()
    raw.filter(pk=event(case, 2).pk).update(payload={}, redacted_at=dt.datetime.now(dt.UTC))
    assert (
        "Die Angaben von Ereignis Nr. 2 wurden ohne Protokollereignis entfernt." in verify_fails()
    )


def test_redacted_event_with_a_new_payload_is_detected():
    case = worked_case()
    redact_event_payload(event(case, 3))
    raw.filter(pk=event(case, 3).pk).update(payload={"text": "nachträglich"})
    assert "Ereignis Nr. 3 ist als geschwärzt markiert, hat aber Angaben." in verify_fails()


def test_verify_chain_reports_directly():
    case = worked_case()
    report = verify_chain(case.tenant)
    assert report.ok
    assert report.events == 5


def test_command_output_goes_through_gettext(monkeypatch):
    """Its texts are translatable: each one passes `gettext` (marked here)."""
    from openkommune.cases.management import tenant_option
    from openkommune.cases.management.commands import verify_audit

    monkeypatch.setattr(verify_audit, "_", lambda text: f"«{text}»")
    monkeypatch.setattr(tenant_option, "_", lambda text: f"«{text}»")
    worked_case()
    assert verify("--verbose").count("«") == 2  # the chain line and the summary
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit", "--tenant", "kaputt", stdout=StringIO(), stderr=StringIO())
    assert str(failed.value).startswith("«Keine Organisation")


# --- anchors ---------------------------------------------------------------------------------


def anchor_events(tenant) -> list[CaseEvent]:
    return list(raw.filter(tenant=tenant, kind=CaseEventKind.CHAINS_ANCHORED).order_by("sequence"))


def test_anchoring_commits_the_tenant_chain_to_the_moved_case_chains():
    first = worked_case()
    second = open_case(name="Max Mustermann")
    [anchor] = anchor_chains()
    assert anchor.chain.case_public_id is None
    assert anchor.sequence == 1
    assert anchor.payload == {
        "chains": sorted(
            [
                [str(first.public_id), 5, event(first, 5).hash],
                [str(second.public_id), 1, event(second, 1).hash],
            ],
            key=lambda entry: head_of_id(entry[0]),
        )
    }
    with scopes_disabled():
        marks = {
            m.chain.case_public_id: (m.sequence, m.hash) for m in AuditChainAnchor.objects.all()
        }
    assert marks == {
        first.public_id: (5, event(first, 5).hash),
        second.public_id: (1, event(second, 1).hash),
    }
    # Nothing moved: nothing to anchor. Then only the chain that moved.
    assert anchor_chains() == []
    case_add_note(tenant=second.tenant, actor=clerk_of(second.tenant), case=second, text="Rückruf.")
    [again] = anchor_chains()
    assert again.payload == {"chains": [[str(second.public_id), 2, event(second, 2).hash]]}
    assert "2 Verankerungen" in verify("--verbose")


def head_of_id(case_id: str) -> int:
    with scopes_disabled():
        return AuditChainHead.objects.get(case_public_id=case_id).pk


def test_anchors_are_written_in_batches(monkeypatch):
    worked_case()
    open_case(name="Max Mustermann")
    monkeypatch.setattr(audit, "ANCHOR_BATCH", 1)
    anchors = anchor_chains()
    assert [len(a.payload["chains"]) for a in anchors] == [1, 1]
    assert [a.sequence for a in anchors] == [1, 2]
    verify()


def test_a_recomputed_case_chain_passes_until_it_was_anchored():
    """What anchoring adds: a case chain rewritten with all hashes recomputed is consistent in
    itself (the weakness between anchors, ADR 0012) — once anchored, it no longer matches."""
    case = worked_case()

    def forge(e):
        if e.sequence == 3:
            e.payload = {**e.payload, "text": "Nie angerufen."}

    rewrite_case_chain(case, forge)
    assert "intakt" in verify()
    anchor_chains()
    rewrite_case_chain(
        case, lambda e: e.payload.update(text="Doch angerufen.") if e.sequence == 3 else None
    )
    message = verify_fails()
    assert (
        f"Vorgang {case.public_id}: Ereignis Nr. 5 passt nicht zur Verankerung in Ereignis Nr. 1 "
        "der Organisationskette (Kette neu berechnet?)."
    ) in message


def test_a_truncated_case_chain_is_detected_by_its_anchor():
    """Deleting the newest events and moving the head back is consistent in itself; the
    anchor still names event 5."""
    case = worked_case()
    anchor_chains()
    four, five = event(case, 4), event(case, 5)
    raw.filter(pk__in=[four.pk, five.pk])._raw_delete(using="default")
    AuditChainHead._base_manager.filter(pk=four.chain_id).update(
        sequence=3, hash=event(case, 3).hash
    )
    assert (
        "Ereignis Nr. 5 fehlt, ist aber in Ereignis Nr. 1 der Organisationskette verankert."
        in verify_fails()
    )


def test_a_deleted_case_chain_is_detected_by_its_anchor():
    case = worked_case()
    anchor_chains()
    with transaction.atomic():
        raw.filter(case_public_id=case.public_id)._raw_delete(using="default")
        AuditChainHead._base_manager.filter(case_public_id=case.public_id).delete()
    assert (
        f"Die Kette des Vorgangs {case.public_id} fehlt, ist aber in Ereignis Nr. 1 verankert."
        in verify_fails()
    )


def test_a_changed_anchor_is_detected():
    case = worked_case()
    [anchor] = anchor_chains()
    forged = {"chains": [[str(case.public_id), 3, event(case, 3).hash]]}
    raw.filter(pk=anchor.pk).update(payload=forged)
    assert "Die Angaben von Ereignis Nr. 1 wurden verändert." in verify_fails()


def test_deleted_and_reordered_anchors_are_detected():
    case = worked_case()
    first = anchor_chains()[0]
    case_add_note(tenant=case.tenant, actor=clerk_of(case.tenant), case=case, text="Noch eine.")
    second = anchor_chains()[0]
    with transaction.atomic():
        raw.filter(pk=first.pk).update(sequence=0)
        raw.filter(pk=second.pk).update(sequence=1)
        raw.filter(pk=first.pk).update(sequence=2)
    assert "Ereignis Nr. 1 verweist nicht auf das vorige Ereignis" in verify_fails()
    raw.filter(pk=first.pk)._raw_delete(using="default")
    raw.filter(pk=second.pk).update(sequence=2)
    assert "Ereignis Nr. 1 fehlt (gelöscht?)." in verify_fails()


def test_changed_anchor_bookkeeping_is_detected():
    """The job's record of what it anchored decides what it anchors next; set ahead, it
    would leave a chain unanchored — verify_audit compares it with the anchors."""
    case = worked_case()
    anchor_chains()
    AuditChainAnchor._base_manager.filter(chain__case_public_id=case.public_id).update(sequence=99)
    assert (
        "Der Stand der Verankerung passt nicht zu den Verankerungen der Organisationskette."
        in verify_fails()
    )


def test_anchor_command_prints_the_anchor_hashes():
    case = worked_case()
    out = StringIO()
    call_command("anchor_audit_chains", stdout=out)
    [anchor] = anchor_events(case.tenant)
    assert (
        f"{case.tenant.name} ({case.tenant.public_id}): 1 Vorgangsketten verankert in "
        f"Ereignis Nr. 1, Prüfwert {anchor.hash}"
    ) in out.getvalue()
    out = StringIO()
    call_command("anchor_audit_chains", "--tenant", str(case.tenant.public_id), stdout=out)
    assert "Keine geänderten Vorgangsketten." in out.getvalue()
    with pytest.raises(CommandError) as failed:
        call_command("anchor_audit_chains", "--tenant", "kaputt", stdout=StringIO())
    assert failed.value.returncode == 2


def test_the_task_anchors(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    from openkommune.cases.tasks import anchor_audit_chains

    case = worked_case()
    result = anchor_audit_chains.enqueue()
    [anchor] = anchor_events(case.tenant)
    assert result.return_value == {
        "anchors": [{"tenant": str(case.tenant.public_id), "sequence": 1, "hash": anchor.hash}]
    }
    assert anchor_audit_chains.enqueue().return_value == {"anchors": []}


def test_anchors_are_never_redacted():
    worked_case()
    [anchor] = anchor_chains()
    assert redact_event_payload(anchor) is None
    assert raw.get(pk=anchor.pk).payload == anchor.payload


# --- events from before per-case chains ------------------------------------------------------


def legacy_event(case, kind=CaseEventKind.NOTE_ADDED, payload=None) -> CaseEvent:
    """An event as written before per-case chains (migration cases.0004 left them there):
    in the tenant chain, naming its case."""
    with transaction.atomic():
        return audit._append(
            tenant=case.tenant,
            chain_key=None,
            kind=kind,
            actor=None,
            case=case,
            case_public_id=case.public_id,
            payload=payload or {"text": "vor der Umstellung"},
        )


def test_a_case_with_events_in_the_tenant_chain_continues_in_its_own_chain():
    case = worked_case()
    old = legacy_event(case)
    other = open_case(name="Max Mustermann")
    legacy_event(other)
    case_add_note(tenant=case.tenant, actor=clerk_of(case.tenant), case=case, text="Neu.")
    new = event(case, 6)
    assert old.chain.case_public_id is None
    assert old.sequence == 1
    assert new.chain.case_public_id == case.public_id
    # The history reads both chains in the order things happened.
    history = list(case_events(tenant=case.tenant, case=case))
    assert [e.pk for e in history][-2:] == [old.pk, new.pk]
    exported = history_document(case.public_id, case.reference, history)["events"]
    assert [e["chain"] for e in exported][-2:] == ["organisation", "case"]
    assert "1 Organisationen, 3 Ketten, 9 Ereignisse" in verify()
    raw.filter(pk=old.pk).update(payload={"text": "anders"})
    message = verify_fails()
    assert "Die Angaben von Ereignis Nr. 1 wurden verändert." in message
    assert "Vorgang" not in message


def test_redacting_a_case_spanning_two_chains_records_it_in_each():
    case = worked_case()
    old = legacy_event(case)
    with transaction.atomic():
        recorded = redact_events(list(raw.filter(case_public_id=case.public_id)))
    in_tenant_chain = raw.get(chain_id=old.chain_id, kind=CaseEventKind.PAYLOAD_REDACTED)
    assert in_tenant_chain.payload == {"sequences": [1]}
    assert in_tenant_chain.case_public_id == case.public_id
    assert recorded.chain.case_public_id == case.public_id
    assert recorded.payload == {"sequences": [1, 2, 3, 4, 5]}
    assert "davon 6 mit entfernten Angaben" in verify("--verbose")
    # The tenant chain's record names only its own sequence: blanking another one is caught.
    sneaky = legacy_event(case, payload={"text": "später"})
    raw.filter(pk=sneaky.pk).update(payload={}, redacted_at=dt.datetime.now(dt.UTC))
    assert (
        "Die Angaben von Ereignis Nr. 3 wurden ohne Protokollereignis entfernt." in verify_fails()
    )
