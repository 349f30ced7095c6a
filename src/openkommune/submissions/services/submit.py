"""Submitting: a draft (pages) or posted data (API) becomes an application, once.

One transaction validates against the pinned form version, checks the attachments, creates
the application (unique on the idempotency key and on the draft), routes it, writes the
first timeline events and owes the confirmation e-mail and the receipt PDF (both made by
jobs after the commit; the download renders a receipt whose job has not run yet). Use it
through `openkommune.submissions.services`.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openkommune.core import files, jobs
from openkommune.core.timezone import local_date
from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.engine import Definition, Field, Group, answers, validate
from openkommune.forms.selectors import version_definition
from openkommune.regions.models import Region
from openkommune.submissions.constants import (
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
    SubmitInvalid,
)
from openkommune.submissions.models import Application, ApplicationEvent, Attachment, Draft
from openkommune.submissions.references import new_reference, tenant_code
from openkommune.submissions.selectors import application_for_idempotency_key
from openkommune.submissions.services.drafts import (
    applicant_user,
    draft_start,
    offered_responsibility,
    place_name,
)
from openkommune.submissions.services.hooks import run_submitted
from openkommune.submissions.services.notifications import confirmation_owe
from openkommune.submissions.services.receipts import (
    Receipt,
    ReceiptAttachment,
    ReceiptAuthority,
    render_receipt_pdf,
)
from openkommune.submissions.services.routing import _gemeinde, leistung_for_form, resolve_gemeinde
from openkommune.submissions.tokens import derive_token, new_salt, token_hash
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.services import audit_record

IDEMPOTENCY_KEY_MAX_LENGTH = 200
REFERENCE_ATTEMPTS = 8
# The job of `tasks.py` that renders and stores the receipt, found by name (`core.jobs`).
RECEIPT_JOB = "submissions.issue_application_receipt"


class _AlreadySubmitted(Exception):
    """Raised inside the submit transaction to roll it back and answer with the winner."""

    def __init__(self, application: Application):
        self.application = application
        super().__init__(application.reference)


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


def application_submit(
    *, draft: Draft, idempotency_key: str, base_url: str | None = None
) -> Application:
    """Submit the draft. Submitting it again (same or another key, a double click, a second
    tab) returns the same application. Raises `SubmitInvalid` (with `errors`),
    `ServiceNotOffered` when the service was switched off meanwhile (`PlaceGone` when the
    Gemeinde left the register), `IdempotencyKeyInvalid` for a missing or broken key."""
    key = clean_idempotency_key(idempotency_key)
    key_hash = idempotency_hash("draft", str(draft.public_id), key)
    existing = application_for_idempotency_key(key_hash=key_hash)
    if existing is not None:
        existing.created_now = False
        return existing
    try:
        return _submit(draft=draft, key_hash=key_hash, fingerprint="", base_url=base_url)
    except _AlreadySubmitted as done:
        done.application.created_now = False
        return done.application


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


def _referenced_attachments(draft: Draft, definition: Definition, data: dict) -> list:
    """The draft's attachments the data refers to, each with its final path; every other
    reference is an error (another draft's file, a file not clean, not fitting the field)."""
    own = {
        str(a.public_id): a
        for a in Attachment.applicant_objects.filter(draft=draft, application__isnull=True)
    }
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


def _submit(*, draft: Draft, key_hash: str, fingerprint: str, base_url: str | None):
    with transaction.atomic():
        application = _submit_locked(draft, key_hash, fingerprint, base_url)
    application.created_now = True
    return application


def _submit_locked(draft, key_hash, fingerprint, base_url) -> Application:
    locked = (
        Draft.applicant_objects.select_for_update(of=("self",))
        .select_related("tenant", "form_version__form", "ozg_leistung", "user")
        .get(pk=draft.pk)
    )
    if locked.is_submitted:
        raise _AlreadySubmitted(locked.submitted_application)
    definition = version_definition(locked.form_version)
    submitted_at = timezone.now()
    today = local_date(submitted_at)
    validation = validate(definition, locked.data, today=today)
    if validation.errors:
        raise SubmitInvalid(validation.errors)
    attached = _referenced_attachments(locked, definition, validation.data)
    try:
        gemeinde = _gemeinde(locked.gemeinde_ars)
    except Region.DoesNotExist:
        raise PlaceGone() from None
    responsibility = offered_responsibility(ozg_leistung=locked.ozg_leistung, gemeinde=gemeinde)
    tenant = locked.tenant
    if responsibility.organisation.pk != tenant.pk:
        raise ServiceNotOffered(
            _(
                "Die Zuständigkeit für diese Leistung hat sich geändert, seit Sie den Antrag "
                "begonnen haben. Bitte beginnen Sie ihn neu."
            )
        )
    authority = responsibility.authority
    salt = new_salt()
    application = Application(
        tenant=tenant,
        draft=locked,
        form_version=locked.form_version,
        ozg_leistung=locked.ozg_leistung,
        gemeinde_ars=locked.gemeinde_ars,
        data=validation.data,
        authority={
            "name": authority.name,
            "address": authority.address,
            "email": authority.email,
            "phone": authority.phone,
        },
        user=locked.user,
        email=locked.email or (locked.user.email if locked.user_id else ""),
        idempotency_key=key_hash,
        request_fingerprint=fingerprint,
        status=ApplicationStatus.DELIVERED,
        submitted_at=submitted_at,
        status_token_salt=salt,
        status_token_hash=token_hash(derive_token(purpose="status", salt=salt)),
        receipt_pending=True,
        is_demo=bool(settings.DEMO_MODE or tenant.is_demo),
    )
    _insert(application, locked, key_hash, today.year)
    with scope(tenant=tenant):
        for path, attachment in attached:
            attachment.application = application
            attachment.path = path
            attachment.save(update_fields=["application", "path"])
        leftovers = list(
            Attachment.applicant_objects.filter(draft=locked, application__isnull=True)
        )
        for leftover in leftovers:
            name = leftover.storage_name
            leftover.delete()
            transaction.on_commit(lambda name=name: files.delete_private(name))
        ApplicationEvent.objects.bulk_create(
            [
                ApplicationEvent(tenant=tenant, application=application, kind=kind, at=submitted_at)
                for kind in (EventKind.SUBMITTED, EventKind.DELIVERED)
            ]
        )
    # The application holds the checked data now; the raw copy in the draft goes.
    locked.data = {}
    locked.save(update_fields=["data", "updated_at"])
    audit_record(
        tenant=tenant,
        actor=locked.user,
        action="application.submit",
        obj=application,
        after={
            "reference": application.reference,
            "form": locked.form_version.form.key,
            "version": locked.form_version.number,
            "ozg_id": locked.ozg_leistung.ozg_id,
            "gemeinde_ars": locked.gemeinde_ars,
            "attachments": len(attached),
        },
    )
    # The back office (cases) opens its case in this same transaction.
    run_submitted(application)
    confirmation_owe(application=application, base_url=base_url)
    jobs.enqueue_on_commit(RECEIPT_JOB, str(application.public_id))
    return application


def _insert(application: Application, draft: Draft, key_hash: str, year: int) -> None:
    """Insert with a fresh reference; on a unique violation decide in a savepoint whether
    another submit won (-> _AlreadySubmitted) or only the random part collided (retry)."""
    code = tenant_code(application.tenant.short_name or application.tenant.name)
    for _attempt in range(REFERENCE_ATTEMPTS):
        application.reference = new_reference(year=year, code=code)
        try:
            with transaction.atomic(), scope(tenant=application.tenant):
                application.save(force_insert=True)
            return
        except IntegrityError:
            application.pk = None
            winner = (
                Application.applicant_objects.filter(idempotency_key=key_hash).first()
                or Application.applicant_objects.filter(draft=draft).first()
            )
            if winner is not None:
                raise _AlreadySubmitted(winner) from None
    raise RuntimeError("No free reference number after several attempts.")


# --- the receipt (rendered by a job after the commit, or on first download) ---------------


def application_receipt_issue(*, application: Application) -> Application:
    """Render and store the receipt of a submitted application, once: the PDF lists every
    answer and attachment (with SHA-256) as submitted. Called by the job queued at submit,
    and by the download when the job has not run yet; concurrent calls render it once.
    Raises `ReceiptUnavailable` when the application was anonymised (its data is gone)."""
    if application.receipt_name:
        return application
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = (
                Application.applicant_objects.select_for_update(of=("self",))
                .select_related("tenant", "form_version__form", "ozg_leistung", "user")
                .get(pk=application.pk)
            )
            if not locked.has_receipt:
                raise ReceiptUnavailable(locked.reference)
            if not locked.receipt_name:
                _receipt_store(locked, stored)
    except BaseException:
        for name in stored:
            files.delete_private(name)
        raise
    application.receipt_name = locked.receipt_name
    application.receipt_sha256 = locked.receipt_sha256
    application.receipt_pending = False
    return application


def _receipt_store(application: Application, stored: list[str]) -> None:
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
    pdf = render_receipt_pdf(_receipt(application, definition, gemeinde_name, attached, today))
    name = files.save_private("receipts", pdf, suffix=".pdf")
    stored.append(name)
    application.receipt_name = name
    application.receipt_sha256 = hashlib.sha256(pdf).hexdigest()
    application.receipt_pending = False
    application.save(
        update_fields=["receipt_name", "receipt_sha256", "receipt_pending", "updated_at"]
    )
    audit_record(
        tenant=application.tenant,
        actor=None,
        action="application.receipt",
        obj=application,
        after={"receipt_sha256": application.receipt_sha256},
    )


def _receipt(application, definition, gemeinde_name, attached, today) -> Receipt:
    names = {str(a.public_id): a.download_name for a in attached}
    version = application.form_version
    authority = application.authority
    return Receipt(
        reference=application.reference,
        service_name=application.service_name,
        ozg_id=application.ozg_leistung.ozg_id,
        form_title=definition.title,
        form_version=version.number,
        submitted_at=application.submitted_at,
        gemeinde_name=gemeinde_name,
        authority=ReceiptAuthority(**authority),
        sections=answers(definition, application.data, file_names=names, today=today),
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
    )


# --- submit data (API) -------------------------------------------------------------------


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
    existing = application_for_idempotency_key(key_hash=key_hash)
    if existing is None:
        if user is None and not (email or "").strip():
            # Without an account the e-mail address is the applicant's only way to get the
            # confirmation and the link to the status page.
            message = _(
                "Bitte geben Sie eine E-Mail-Adresse an, wenn Sie ohne Anmeldung einreichen."
            )
            raise SubmitInvalid({"email": [message]}, message=message, data_paths=False)
        if form_version.status != FormVersionStatus.PUBLISHED:
            message = _("Diese Formularversion nimmt keine Anträge an.")
            raise SubmitInvalid({"version": [message]}, message=message, data_paths=False)
        gemeinde = resolve_gemeinde(postcode=postcode, gemeinde_ars=gemeinde_ars)
        leistung = leistung_for_form(form_version=form_version, gemeinde=gemeinde)
        try:
            with transaction.atomic():
                draft, _token = draft_start(
                    actor=user,
                    form_version=form_version,
                    ozg_leistung=leistung,
                    gemeinde=gemeinde,
                    email=email,
                )
                draft.data = data
                draft.save(update_fields=["data", "updated_at"])
                return _submit(
                    draft=draft, key_hash=key_hash, fingerprint=fingerprint, base_url=base_url
                )
        except _AlreadySubmitted as done:
            existing = done.application
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
