"""Submitting: a draft (pages) or posted data (API) becomes an application, once.

What needs no lock is decided before the transaction: the validation against the pinned
form version, who is responsible (resolved once and passed on), the API's draft, the status
token. The one transaction then locks the draft (pages; validated again only if its data
changed meanwhile), checks the attachments, creates the application (unique on the
idempotency key and on the draft), writes the first timeline events, the audit records (in
one INSERT) and the case of the back office, and owes the confirmation e-mail (sent by a
job after the commit) and the receipt PDF (rendered and stored on its first download, ADR
0013). It has no savepoints: a unique violation of the application rolls it back
whole, and the submit answers with the application that won, or runs again with another
reference number. Use it through `openkommune.submissions.services`.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.catalog.selectors import Responsibility
from openkommune.core import files
from openkommune.core.read_cache import versions_pinned
from openkommune.core.timezone import local_date
from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.engine import (
    Definition,
    Field,
    Group,
    Validation,
    answers,
    applicant_values,
    validate,
    with_system_values,
)
from openkommune.forms.selectors import version_definition
from openkommune.regions.models import Region
from openkommune.submissions.constants import (
    STATUS_AFTER_EVENT,
    SUBMITTABLE_SCAN_RESULTS,
    ApplicationStatus,
    EventKind,
)
from openkommune.submissions.errors import (
    IdempotencyConflict,
    IdempotencyKeyInvalid,
    PlaceGone,
    ReceiptUnavailable,
    ServiceNotOffered,
    SubmissionError,
    SubmitInvalid,
    TrustLevelTooLow,
)
from openkommune.submissions.models import Application, ApplicationEvent, Attachment, Draft
from openkommune.submissions.references import new_reference, tenant_code
from openkommune.submissions.selectors import application_for_idempotency_key, application_terms
from openkommune.submissions.services.drafts import (
    applicant_user,
    draft_build,
    draft_insert,
    offered_responsibility,
    place_name,
)
from openkommune.submissions.services.hooks import (
    receipt_sections,
    run_submitted,
    submitted_timeline,
)
from openkommune.submissions.services.notifications import confirmation_owe
from openkommune.submissions.services.receipts import (
    Receipt,
    ReceiptAttachment,
    ReceiptAuthority,
    render_receipt_pdf,
)
from openkommune.submissions.services.routing import _gemeinde, resolve_gemeinde, route_for_form
from openkommune.submissions.services.trust import require_trust_level, verified_fields
from openkommune.submissions.tokens import derive_token, new_salt, token_hash
from openkommune.tenancy.scoping import insert_scoped, scope
from openkommune.tenancy.services import audit_batch, audit_record

IDEMPOTENCY_KEY_MAX_LENGTH = 200
REFERENCE_ATTEMPTS = 8


class _AlreadySubmitted(Exception):
    """Raised inside the submit transaction to roll it back and answer with the winner."""

    def __init__(self, application: Application):
        self.application = application
        super().__init__(application.reference)


class _InsertConflict(Exception):
    """The application's INSERT hit a unique constraint: the transaction rolls back whole
    (it has no savepoint), then `_committed` looks for the winner."""


@dataclass(frozen=True)
class _Prepared:
    """What the submit decides before its transaction."""

    definition: Definition
    raw: object  # the data validated
    validation: Validation
    submitted_at: datetime.datetime
    today: datetime.date
    responsibility: Responsibility | None
    # Why the draft can no longer go where it was routed (raised after its validation).
    refusal: SubmissionError | None
    # The application's status token: its salt and the hash of the token derived from it.
    status_token_salt: str
    status_token_hash: str
    # The Gemeinde the application is for: its Land is a value the platform sets.
    gemeinde_ars: str = ""

    def validated(self, raw) -> _Prepared:
        """Itself if `raw` is what was validated, else validated again with `raw`."""
        raw = with_system_values(self.definition, raw, gemeinde_ars=self.gemeinde_ars)
        if raw == self.raw:
            return self
        return replace(self, raw=raw, validation=validate(self.definition, raw, today=self.today))

    def check(self) -> dict:
        """The cleaned data; `SubmitInvalid` with the validation's errors."""
        if self.validation.errors:
            raise SubmitInvalid(self.validation.errors)
        return self.validation.data


def _prepare(form_version, raw, responsibility, refusal=None, *, gemeinde_ars: str) -> _Prepared:
    definition = version_definition(form_version)
    # Values the platform sets (the Land of the Gemeinde): whatever the data said.
    raw = with_system_values(definition, raw, gemeinde_ars=gemeinde_ars)
    submitted_at = timezone.now()
    today = local_date(submitted_at)
    salt = new_salt()
    return _Prepared(
        definition=definition,
        raw=raw,
        validation=validate(definition, raw, today=today),
        submitted_at=submitted_at,
        today=today,
        responsibility=responsibility,
        refusal=refusal,
        status_token_salt=salt,
        status_token_hash=token_hash(derive_token(purpose="status", salt=salt)),
        gemeinde_ars=gemeinde_ars,
    )


def idempotency_hash(*parts: str) -> str:
    """The stored key: the caller's key in its namespace (a draft, an API user, anonymous
    API callers), so two callers choosing the same key never meet."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def clean_idempotency_key(key) -> str:
    """The key without surrounding spaces; `IdempotencyKeyInvalid` when it is missing, too
    long or not printable."""
    if not isinstance(key, str) or not key.strip():
        raise IdempotencyKeyInvalid(_("Der Idempotency-Key fehlt."))
    key = key.strip()
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not key.isprintable():
        raise IdempotencyKeyInvalid(
            _("Der Idempotency-Key ist zu lang oder enthält nicht druckbare Zeichen.")
        )
    return key


def request_fingerprint(**parts) -> str:
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- submit a draft ----------------------------------------------------------------------


# The reads from the read cache (route, deadline) share one read of the data versions.
@versions_pinned()
def application_submit(
    *,
    draft: Draft,
    idempotency_key: str,
    base_url: str | None = None,
    answers: dict | None = None,
) -> Application:
    """Submit the draft. Submitting it again (same or another key, a double click, a second
    tab) returns the same application. `answers`: raw answers the check page asks itself
    (the declarations, `forms.engine.parse_step_post`), taken over the draft's data for
    this submit. Raises `SubmitInvalid` (with `errors`),
    `ServiceNotOffered` when the service was switched off meanwhile (`PlaceGone` when the
    Gemeinde left the register), `IdempotencyKeyInvalid` for a missing or broken key."""
    key = clean_idempotency_key(idempotency_key)
    key_hash = idempotency_hash("draft", str(draft.public_id), key)
    # No look-up by the key: its namespace is this draft, so only the draft's application
    # can hold it, and the draft (here, and locked in the transaction) tells whether it has one.
    try:
        if draft.is_submitted:
            raise _AlreadySubmitted(draft.submitted_application)
        answers = dict(answers or {})
        prepared = _prepare_draft(draft, answers)
        return _committed(
            lambda: _submit_draft(draft, prepared, key_hash, base_url, answers),
            key_hash=key_hash,
            draft_id=draft.pk,
        )
    except _AlreadySubmitted as done:
        done.application.created_now = False
        return done.application


def _prepare_draft(draft: Draft, answers: dict) -> _Prepared:
    """The draft's data validated, and its routing checked again (the Gemeinde may have
    left the register, the service may have been switched off or moved to another member);
    a refusal is kept to be raised after the validation, as the applicant fixes the data
    first."""
    responsibility, refusal = None, None
    try:
        gemeinde = _gemeinde(draft.gemeinde_ars)
    except Region.DoesNotExist:
        refusal = PlaceGone()
    else:
        try:
            responsibility = offered_responsibility(
                ozg_leistung=draft.ozg_leistung, gemeinde=gemeinde
            )
        except ServiceNotOffered as error:
            refusal = error
        else:
            if responsibility.organisation.pk != draft.tenant_id:
                refusal = ServiceNotOffered(
                    _(
                        "Die Zuständigkeit für diese Leistung hat sich geändert, seit Sie den "
                        "Antrag begonnen haben. Bitte beginnen Sie ihn neu."
                    )
                )
            else:
                # Checked again at the submit: the level may have been raised meanwhile, or
                # the applicant's login is another one now (draft.trust_level follows it).
                try:
                    require_trust_level(
                        responsibility=responsibility,
                        form=draft.form_version.form,
                        current=draft.trust_level,
                    )
                except TrustLevelTooLow as error:
                    refusal = error
    return _prepare(
        draft.form_version,
        {**draft.data, **answers},
        responsibility,
        refusal,
        gemeinde_ars=draft.gemeinde_ars,
    )


def _submit_draft(
    draft: Draft, prepared: _Prepared, key_hash: str, base_url, answers: dict
) -> Application:
    locked = (
        Draft.applicant_objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=draft.pk)
    )
    # Submitted meanwhile (a second tab)? Its id alone is looked up: nearly always none.
    submitted = list(
        Application.applicant_objects.filter(draft=locked).order_by().values_list("pk", flat=True)
    )
    if submitted:
        raise _AlreadySubmitted(Application.applicant_objects.get(pk=submitted[0]))
    # What the draft refers to never changes: take the rows already read with it.
    locked.tenant = draft.tenant
    locked.form_version = draft.form_version
    locked.ozg_leistung = draft.ozg_leistung
    prepared = prepared.validated({**locked.data, **answers})
    data = prepared.check()
    own = {
        str(a.public_id): a
        for a in Attachment.applicant_objects.filter(draft=locked, application__isnull=True)
    }
    attached = _referenced_attachments(own, prepared.definition, data)
    if prepared.refusal is not None:
        raise prepared.refusal
    # What no field refers to (`own` without the attached) goes with the submit.
    return _store(locked, prepared, attached, list(own.values()), key_hash, "", base_url)


def _file_values(definition: Definition, data, prefix: str = ""):
    """(path, value) of every file field in cleaned data."""
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        item = definition.items.get(key)
        path = prefix + key
        if isinstance(item, Field) and item.type == "file":
            yield path, item, value
        elif isinstance(item, Group) and item.repeat is not None and isinstance(value, list):
            for index, entry in enumerate(value):
                yield from _file_values(definition, entry, f"{path}.{index}.")
        elif isinstance(item, Group):
            yield from _file_values(definition, value, path + ".")


def _referenced_attachments(own: dict, definition: Definition, data: dict) -> list:
    """The attachments of `own` (the draft's, by public id) the data refers to, each with
    its final path, taken out of `own`; every other reference is an error (another draft's
    file, a file not clean, not fitting the field)."""
    errors: dict[str, list[str]] = {}
    found = []
    for path, field, value in _file_values(definition, data):
        attachment = own.pop(str(value), None)
        if attachment is None:
            errors[path] = [_("Die Datei fehlt. Bitte laden Sie sie noch einmal hoch.")]
        elif attachment.scan_result not in SUBMITTABLE_SCAN_RESULTS:
            errors[path] = [
                _("Die Datei wurde nicht angenommen. Bitte laden Sie eine andere hoch.")
            ]
        elif (field.accept and attachment.content_type not in field.accept) or (
            field.max_size and attachment.size > field.max_size
        ):
            errors[path] = [_("Diese Datei passt nicht zu diesem Feld.")]
        else:
            found.append((path, attachment))
    if errors:
        raise SubmitInvalid(errors)
    return found


def _committed(work, *, key_hash: str, draft_id: int | None = None) -> Application:
    """`work()` in one transaction. When the application's INSERT violates a unique
    constraint, the whole transaction is rolled back: another submit won (answered with
    `_AlreadySubmitted`), or only the random part of the reference collided (run again)."""
    for _attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                application = work()
        except _InsertConflict:
            winner = Application.applicant_objects.filter(idempotency_key=key_hash).first()
            if winner is None and draft_id is not None:
                winner = Application.applicant_objects.filter(draft_id=draft_id).first()
            if winner is not None:
                raise _AlreadySubmitted(winner) from None
            continue
        application.created_now = True
        return application
    raise RuntimeError("No free reference number after several attempts.")


def _confirmation_address(draft: Draft, data: dict) -> str:
    """Where the confirmation goes: the e-mail address the form's contact step gives (the
    applicant marker's `email`), else the draft's or the account's address."""
    contact = applicant_values(version_definition(draft.form_version), data).get("email")
    return contact or draft.email or (draft.user.email if draft.user_id else "")


def _store(
    draft: Draft,
    prepared: _Prepared,
    attached: list,
    leftovers: list,
    key_hash: str,
    fingerprint: str,
    base_url: str | None,
) -> Application:
    """Inside the submit's transaction: the application of the checked draft, its files,
    timeline, audit records, case, e-mail and receipt job."""
    tenant = draft.tenant
    authority = prepared.responsibility.authority
    submitted_at = prepared.submitted_at
    # The submit's own timeline, then what the hooks add to every application (the back
    # office's "received"): one INSERT, and the application stored with the status they
    # lead to.
    timeline = [EventKind.SUBMITTED, EventKind.DELIVERED, *submitted_timeline()]
    application = Application(
        tenant=tenant,
        draft=draft,
        form_version=draft.form_version,
        ozg_leistung=draft.ozg_leistung,
        gemeinde_ars=draft.gemeinde_ars,
        data=prepared.validation.data,
        authority={
            "name": authority.name,
            "address": authority.address,
            "email": authority.email,
            "phone": authority.phone,
        },
        user=draft.user,
        email=_confirmation_address(draft, prepared.validation.data),
        idempotency_key=key_hash,
        request_fingerprint=fingerprint,
        status=STATUS_AFTER_EVENT[timeline[-1]],
        submitted_at=submitted_at,
        status_token_salt=prepared.status_token_salt,
        status_token_hash=prepared.status_token_hash,
        receipt_pending=True,
        is_demo=bool(settings.DEMO_MODE or tenant.is_demo),
        trust_level=draft.trust_level,
        verified_fields=verified_fields(
            prefill=draft.identity_prefill,
            data=prepared.validation.data,
            trust_level=draft.trust_level,
        ),
    )
    with audit_batch():
        _insert(application, prepared.today.year)
        with scope(tenant=tenant):
            for path, attachment in attached:
                attachment.application = application
                attachment.path = path
            if attached:
                Attachment.applicant_objects.bulk_update(
                    [attachment for _path, attachment in attached], ["application", "path"]
                )
            if leftovers:
                names = [leftover.storage_name for leftover in leftovers]
                Attachment.applicant_objects.filter(pk__in=[a.pk for a in leftovers]).delete()
                transaction.on_commit(lambda: [files.delete_private(name) for name in names])
            insert_scoped(
                ApplicationEvent(tenant=tenant, application=application, kind=kind, at=submitted_at)
                for kind in timeline
            )
        if draft.data:
            # The application holds the checked data now; the raw copy in the draft goes.
            draft.data = {}
            draft.save(update_fields=["data", "updated_at"])
        audit_record(
            tenant=tenant,
            actor=draft.user,
            action="application.submit",
            obj=application,
            after={
                "reference": application.reference,
                "form": draft.form_version.form.key,
                "version": draft.form_version.number,
                "ozg_id": draft.ozg_leistung.ozg_id,
                "gemeinde_ars": draft.gemeinde_ars,
                "attachments": len(attached),
            },
        )
        status = ApplicationStatus.DELIVERED
        for kind in timeline[2:]:
            # As `application_event_add` records an entry that moves the status on.
            audit_record(
                tenant=tenant,
                actor=None,
                action="application.event",
                obj=application,
                before={"status": status},
                after={"status": STATUS_AFTER_EVENT[kind], "kind": kind},
            )
            status = STATUS_AFTER_EVENT[kind]
        # The back office (cases) opens its case in this same transaction.
        run_submitted(application)
        confirmation_owe(application=application, base_url=base_url)
    return application


def _insert(application: Application, year: int) -> None:
    """Insert with a fresh reference, without a savepoint: a unique violation (another
    submit won, or the reference collided) raises `_InsertConflict`, which rolls back the
    whole transaction (see `_committed`)."""
    code = tenant_code(application.tenant.short_name or application.tenant.name)
    application.reference = new_reference(year=year, code=code)
    try:
        with scope(tenant=application.tenant):
            insert_scoped([application])
    except IntegrityError:
        raise _InsertConflict() from None


# --- the receipt (rendered on its first download, then stored) ----------------------------


def application_receipt_issue(*, application: Application) -> Application:
    """Render and store the receipt of a submitted application, once: the PDF lists every
    answer and attachment (with SHA-256) as submitted. Every reader (the downloads, the API,
    the case export) comes through here; the first renders it, later ones get the stored
    file, byte for byte. It is rendered before the row is locked (no lock and no SQLite
    write lock is held while WeasyPrint works) and stored under the lock only if no
    concurrent first download stored one meanwhile; the loser's rendering is dropped.
    Raises `ReceiptUnavailable` when the application was anonymised (its data is gone)."""
    if application.receipt_name:
        return application
    current = Application.applicant_objects.select_related(
        "tenant", "form_version__form", "ozg_leistung"
    ).get(pk=application.pk)
    if not current.receipt_name:
        if not current.has_receipt:
            raise ReceiptUnavailable(current.reference)
        pdf = _receipt_render(current)
        current = _receipt_store(current, pdf)
    application.receipt_name = current.receipt_name
    application.receipt_sha256 = current.receipt_sha256
    application.receipt_pending = False
    return application


def _receipt_render(application: Application) -> bytes:
    definition = version_definition(application.form_version)
    today = local_date(application.submitted_at)
    with scope(tenant=application.tenant):
        by_path = {a.path: a for a in Attachment.objects.filter(application=application)}
    # In the order of the form, as the applicant gave them ("hunde.2" before "hunde.10").
    paths = [path for path, _field, _value in _file_values(definition, application.data)]
    attached = [by_path.pop(path) for path in paths if path in by_path] + list(by_path.values())
    try:
        gemeinde_name = place_name(_gemeinde(application.gemeinde_ars))
    except Region.DoesNotExist:
        # Merged away by a register update since the submit: the key still names the place.
        gemeinde_name = application.gemeinde_ars
    return render_receipt_pdf(_receipt(application, definition, gemeinde_name, attached, today))


def _receipt_store(application: Application, pdf: bytes) -> Application:
    """Store `pdf` as the receipt under the row lock, unless one is stored already (then
    that one stays); returns the locked row."""
    name = None
    try:
        with transaction.atomic():
            locked = (
                Application.applicant_objects.select_for_update(of=("self",))
                .select_related("tenant")
                .get(pk=application.pk)
            )
            if not locked.has_receipt:
                raise ReceiptUnavailable(locked.reference)  # anonymised while rendering
            if locked.receipt_name:
                return locked
            name = files.save_private("receipts", pdf, suffix=".pdf")
            locked.receipt_name = name
            locked.receipt_sha256 = hashlib.sha256(pdf).hexdigest()
            locked.receipt_pending = False
            locked.save(
                update_fields=["receipt_name", "receipt_sha256", "receipt_pending", "updated_at"]
            )
            audit_record(
                tenant=locked.tenant,
                actor=None,
                action="application.receipt",
                obj=locked,
                after={"receipt_sha256": locked.receipt_sha256},
            )
    except BaseException:
        if name is not None:
            files.delete_private(name)
        raise
    return locked


def _receipt(application, definition, gemeinde_name, attached, today) -> Receipt:
    names = {str(a.public_id): a.download_name for a in attached}
    version = application.form_version
    authority = application.authority
    terms = application_terms(application=application)
    return Receipt(
        reference=application.reference,
        service_name=application.service_name,
        ozg_id=application.ozg_leistung.ozg_id,
        form_title=definition.title,
        form_version=version.number,
        submitted_at=application.submitted_at,
        gemeinde_name=gemeinde_name,
        authority=ReceiptAuthority(**authority),
        sections=answers(definition, application.data, file_names=names, today=today)
        + receipt_sections(application),
        attachments=[
            ReceiptAttachment(
                name=a.download_name,
                content_type=a.content_type,
                size=a.size,
                sha256=a.sha256,
                scan_result=a.scan_result,
            )
            for a in attached
        ],
        is_demo=application.is_demo,
        fee=terms.fee,
        processing_time=terms.processing_time,
    )


# --- submit data (API) -------------------------------------------------------------------


@versions_pinned()
def application_submit_data(
    *,
    actor,
    form_version,
    data,
    idempotency_key: str,
    postcode: str | None = None,
    gemeinde_ars: str | None = None,
    email: str | None = None,
    client_secret: str = "",
    base_url: str | None = None,
) -> Application:
    """Submit complete data in one call (API). The same key with the same request returns
    the same application (`created_now` False); with a different request it raises
    `IdempotencyConflict`. Nothing is stored when anything is refused.

    Keys are scoped to the applicant: a logged-in user's keys are theirs alone. Anonymous
    callers share one namespace, so that a retry never creates a second application, but a
    replay counts as the same request only with the same `client_secret` (the caller's
    session key): whoever replays someone else's key and body gets `IdempotencyConflict`,
    never that application or its status token."""
    user = applicant_user(actor)
    namespace = f"user:{user.pk}" if user else "anonymous"
    key_hash = idempotency_hash("api", namespace, clean_idempotency_key(idempotency_key))
    fingerprint = request_fingerprint(
        form=form_version.form.key,
        version=form_version.number,
        data=data,
        postcode=postcode or "",
        gemeinde_ars=gemeinde_ars or "",
        email=email or "",
        **({} if user else {"client": client_secret}),
    )
    # No look-up of the key first: nearly every key is new, and the application's INSERT is
    # unique on it — a key used before rolls the transaction back and answers with the
    # application that holds it (`_committed`). Where the request is refused before that
    # (the form version retired, the service switched off, other data), the key is looked up
    # then: a retry of a request that was accepted still gets its application.
    try:
        return _submit_new_data(
            user=user,
            form_version=form_version,
            data=data,
            postcode=postcode,
            gemeinde_ars=gemeinde_ars,
            email=email,
            key_hash=key_hash,
            fingerprint=fingerprint,
            base_url=base_url,
        )
    except _AlreadySubmitted as done:
        existing = done.application
    except SubmissionError:
        existing = application_for_idempotency_key(key_hash=key_hash)
        if existing is None:
            raise
    if existing.request_fingerprint != fingerprint:
        if user is None:
            # The same message whether the body or only the client differs: it must not tell a
            # stranger that they guessed someone's request.
            raise IdempotencyConflict(
                _(
                    "Dieser Idempotency-Key wurde schon verwendet, für einen anderen Antrag "
                    "oder in einer anderen Sitzung. Bitte verwenden Sie für jeden neuen Antrag "
                    "einen neuen Schlüssel. Wurde Ihr Antrag schon angenommen, erhalten Sie "
                    "die Bestätigung mit dem Link zum Stand per E-Mail."
                )
            )
        raise IdempotencyConflict(
            _(
                "Dieser Idempotency-Key wurde schon für einen anderen Antrag verwendet. "
                "Bitte verwenden Sie für jeden neuen Antrag einen neuen Schlüssel."
            )
        )
    existing.created_now = False
    return existing


def _submit_new_data(
    *, user, form_version, data, postcode, gemeinde_ars, email, key_hash, fingerprint, base_url
) -> Application:
    """The API's submit of a key not seen before (`_AlreadySubmitted` when it was)."""
    if user is None and not (email or "").strip():
        # Without an account the e-mail address is the applicant's only way to get the
        # confirmation and the link to the status page.
        message = _("Bitte geben Sie eine E-Mail-Adresse an, wenn Sie ohne Anmeldung einreichen.")
        raise SubmitInvalid({"email": [message]}, message=message, data_paths=False)
    if form_version.status != FormVersionStatus.PUBLISHED:
        message = _("Diese Formularversion nimmt keine Anträge an.")
        raise SubmitInvalid({"version": [message]}, message=message, data_paths=False)
    gemeinde = resolve_gemeinde(postcode=postcode, gemeinde_ars=gemeinde_ars)
    leistung, responsibility = route_for_form(form_version=form_version, gemeinde=gemeinde)
    # No BundID login comes through the API: a service that requires one is refused.
    require_trust_level(responsibility=responsibility, form=form_version.form, current=0)
    # The API's draft only records the start; it holds no data (the application does).
    draft, _token = draft_build(
        responsibility=responsibility,
        actor=user,
        form_version=form_version,
        ozg_leistung=leistung,
        email=email,
    )
    prepared = _prepare(form_version, data, responsibility, gemeinde_ars=gemeinde.ars)
    # A new draft has no files: every file reference is refused.
    _referenced_attachments({}, prepared.definition, prepared.check())
    return _committed(
        lambda: _submit_new(draft, prepared, key_hash, fingerprint, base_url),
        key_hash=key_hash,
    )


def _submit_new(draft: Draft, prepared: _Prepared, key_hash, fingerprint, base_url):
    # A new row on each attempt (an earlier one was rolled back with its transaction).
    draft.pk, draft._state.adding = None, True
    with audit_batch():
        draft_insert(draft)
        return _store(draft, prepared, [], [], key_hash, fingerprint, base_url)


# --- sealed: delivered encrypted elsewhere (FIT-Connect intake) ---------------------------


def application_seal(*, application: Application, delivered_to: str) -> None:
    """Inside the submit's transaction: the application went encrypted to a Fachverfahren
    (`fitconnect`), so the platform keeps no plain text of it — its answers are emptied,
    its files deleted (after the commit) and no receipt with answers is rendered. What stays
    is routing metadata: reference, service, place, times, the applicant's contact for the
    status e-mails. `delivered_to` names where it went (the destination), for the audit."""
    with scope(tenant=application.tenant):
        attachments = list(Attachment.applicant_objects.filter(application=application))
        names = [a.storage_name for a in attachments]
        if attachments:
            Attachment.applicant_objects.filter(pk__in=[a.pk for a in attachments]).delete()
            transaction.on_commit(lambda: [files.delete_private(name) for name in names])
        application.data = {}
        application.receipt_pending = False
        application.save(update_fields=["data", "receipt_pending", "updated_at"])
    audit_record(
        tenant=application.tenant,
        actor=None,
        action="application.seal",
        obj=application,
        after={"delivered_to": delivered_to, "attachments": len(attachments)},
    )
