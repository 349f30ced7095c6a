"""State changes of drafts: start (with routing), save a step, replace the data, send the
resume link. Files are in `uploads`. Use them through `openkommune.submissions.services`."""

from __future__ import annotations

import datetime
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openkommune.catalog.selectors import Responsibility, responsible_authority_cached
from openkommune.core.files import delete_private
from openkommune.forms.constants import FormVersionStatus
from openkommune.forms.engine import (
    Prefill,
    Validation,
    applicant_values,
    apply_prefill,
    keep_locked,
    split_page_id,
    validate,
    with_system_values,
)
from openkommune.forms.selectors import form_id_for_leistung, version_definition
from openkommune.regions.models import Region
from openkommune.submissions.constants import RESUME_LINK_COOLDOWN_MINUTES
from openkommune.submissions.errors import (
    DraftAlreadySubmitted,
    ResumeLinkThrottled,
    ServiceNotOffered,
    SubmitInvalid,
)
from openkommune.submissions.models import Attachment, Draft
from openkommune.submissions.services.hooks import run_step_saved
from openkommune.submissions.services.identity_prefill import identity_record
from openkommune.submissions.services.notifications import resume_link_last_owed, resume_link_owe
from openkommune.submissions.services.trust import require_trust_level
from openkommune.submissions.tokens import derive_token, new_salt, token_hash
from openkommune.tenancy.scoping import insert_scoped, scope
from openkommune.tenancy.services import audit_record


def applicant_user(actor):
    """The logged-in person acting, or None for an anonymous applicant."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def place_name(gemeinde: Region) -> str:
    """ "Magdeburg, Landeshauptstadt" -> "Magdeburg": how people name their place."""
    return gemeinde.name.split(",")[0].strip()


def _contact_text(responsibility: Responsibility) -> str:
    authority = responsibility.authority
    parts = [authority.name]
    if authority.address:
        parts.append(authority.address)
    if authority.email:
        parts.append(_("E-Mail: %(email)s") % {"email": authority.email})
    if authority.phone:
        parts.append(_("Telefon: %(phone)s") % {"phone": authority.phone})
    return ", ".join(parts)


def offered_responsibility(*, ozg_leistung, gemeinde: Region) -> Responsibility:
    """Who handles the Leistung for people in `gemeinde`, if it is offered online here.
    Raises `ServiceNotOffered` naming the service, the place and whom to contact instead.
    Read through the read cache (`responsible_authority_cached`): a committed change of the
    catalogue, regions or members is seen at once."""
    responsibility = responsible_authority_cached(ozg_leistung=ozg_leistung, gemeinde=gemeinde)
    if responsibility.organisation is not None and responsibility.online:
        return responsibility
    message = _(
        "Die Leistung „%(service)s“ wird für %(place)s nicht online über diese Plattform "
        "angeboten. Zuständig ist: %(contact)s. Bitte wenden Sie sich direkt dorthin."
    ) % {
        "service": ozg_leistung.name,
        "place": place_name(gemeinde),
        "contact": _contact_text(responsibility),
    }
    raise ServiceNotOffered(message)


def _clean_email(email: str | None) -> str:
    email = (email or "").strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise SubmitInvalid(
            {"email": [_("Bitte geben Sie eine gültige E-Mail-Adresse an.")]},
            message=_("Bitte geben Sie eine gültige E-Mail-Adresse an."),
            data_paths=False,
        ) from None
    return email


def draft_audit(draft: Draft, action: str, after: dict | None = None, *, obj=None) -> None:
    audit_record(
        tenant=draft.tenant, actor=draft.user, action=action, obj=obj or draft, after=after
    )


@transaction.atomic
def draft_start(
    *,
    actor,
    form_version,
    ozg_leistung,
    gemeinde: Region,
    email: str | None = None,
    trust_level: int = 0,
    prefill: list[Prefill] | tuple = (),
) -> tuple[Draft, str | None]:
    """Start an application on `form_version` for `gemeinde`, routed to the responsible
    member, with the known values of `prefill` (`services.prefill.prefill_values`) in the
    applicant's fields. Returns the draft and, for an anonymous applicant, the resume token
    in clear text (the only time it is returned; only its hash is stored)."""
    if form_version.status != FormVersionStatus.PUBLISHED:
        raise ValueError("Drafts start only on a published form version.")
    if form_id_for_leistung(ozg_leistung=ozg_leistung) != form_version.form_id:
        raise ServiceNotOffered(
            _("Für die Leistung „%(service)s“ gibt es hier kein Online-Formular.")
            % {"service": ozg_leistung.name}
        )
    responsibility = offered_responsibility(ozg_leistung=ozg_leistung, gemeinde=gemeinde)
    # Refused before anything is stored: the page offers the login at the level required.
    require_trust_level(responsibility=responsibility, form=form_version.form, current=trust_level)
    draft, token = draft_build(
        responsibility=responsibility,
        actor=actor,
        form_version=form_version,
        ozg_leistung=ozg_leistung,
        email=email,
    )
    if prefill:
        definition = version_definition(form_version)
        draft.data, draft.prefilled = apply_prefill(definition, draft.data, prefill)
    draft.trust_level = trust_level
    # What came from the BundID login (a source of `prefill`), with the levels, for the
    # check page and the verified answers at the submit.
    draft.identity_prefill = identity_record(draft.prefilled) if trust_level else {}
    draft_insert(draft)
    return draft, token


def draft_build(
    *, responsibility: Responsibility, actor, form_version, ozg_leistung, email: str | None
) -> tuple[Draft, str | None]:
    """The unsaved draft for the checked `responsibility` (of `offered_responsibility`),
    and the resume token of an anonymous applicant. Needs no lock: the submit of the API
    builds it before its transaction. `SubmitInvalid` for a malformed e-mail address."""
    user = applicant_user(actor)
    definition = version_definition(form_version)
    draft = Draft(
        tenant=responsibility.organisation,
        form_version=form_version,
        ozg_leistung=ozg_leistung,
        gemeinde_ars=responsibility.gemeinde.ars,
        user=user,
        email=_clean_email(email) or (user.email if user else ""),
        current_step=definition.steps[0].id,
        # Values the platform sets (the Land of the Gemeinde, docs/forms.md).
        data=with_system_values(definition, {}, gemeinde_ars=responsibility.gemeinde.ars),
    )
    token = None
    if user is None:
        draft.resume_token_salt = new_salt()
        token = derive_token(purpose="resume", salt=draft.resume_token_salt)
        draft.resume_token_hash = token_hash(token)
        draft.resume_token_expires_at = timezone.now() + datetime.timedelta(
            days=settings.DRAFT_LINK_DAYS
        )
    return draft, token


def draft_insert(draft: Draft) -> None:
    """Store a draft of `draft_build`, audited (inside the caller's transaction)."""
    with scope(tenant=draft.tenant):
        insert_scoped([draft])
    draft_audit(
        draft,
        "draft.start",
        {
            "form": draft.form_version.form.key,
            "version": draft.form_version.number,
            "ozg_id": draft.ozg_leistung.ozg_id,
            "gemeinde_ars": draft.gemeinde_ars,
        },
    )


def lock_draft(draft: Draft) -> Draft:
    locked = (
        Draft.applicant_objects.select_for_update(of=("self",))
        .select_related("tenant", "form_version__form", "ozg_leistung")
        .get(pk=draft.pk)
    )
    if locked.is_submitted:
        raise DraftAlreadySubmitted(_("Dieser Antrag ist bereits eingereicht."))
    return locked


def refresh_from(target: Draft, source: Draft) -> None:
    # The caller keeps working with its object: give it what was stored.
    target.data = source.data
    target.current_step = source.current_step
    target.email = source.email
    target.resume_token_expires_at = source.resume_token_expires_at
    target.updated_at = source.updated_at


def draft_save_step(
    *, draft: Draft, step_id: str, raw_fragment: dict, page_id: str | None = None
) -> Validation:
    """Store the step's raw input (always, even when invalid: nothing typed is lost), then
    validate that step. Returns the engine's `Validation`. `page_id`: the page of the step
    (the page-length rule, forms.engine.pages) posted, kept as where the applicant is; its
    fragment comes from `forms.engine.parse_page_post`."""
    definition = version_definition(draft.form_version)
    definition.step(step_id)  # KeyError for a step the form does not have
    if page_id is not None and split_page_id(page_id)[0] != step_id:
        raise KeyError(page_id)
    if not isinstance(raw_fragment, dict):
        raise TypeError("raw_fragment must be a dict (forms.engine.parse_step_post).")
    with transaction.atomic():
        locked = lock_draft(draft)
        previous_save = locked.updated_at
        typed = {**(locked.data if isinstance(locked.data, dict) else {}), **raw_fragment}
        # Verified values (a locked prefill origin) stay as they came, and so do the
        # values the platform sets (the Land of the Gemeinde).
        typed = keep_locked(typed, locked.prefilled)
        typed = with_system_values(definition, typed, gemeinde_ars=locked.gemeinde_ars)
        locked.data = _storable(typed)
        locked.current_step = _current(page_id or step_id, step_id)
        contact = contact_email(definition, typed)
        if contact:
            # The form's contact address is where the confirmation goes (asked once).
            locked.email = contact
        locked.save(update_fields=["data", "current_step", "email", "updated_at"])
        draft_audit(locked, "draft.save_step", {"step": step_id})
    refresh_from(draft, locked)
    # Validated as typed, so a NUL character is reported at its field although not stored.
    validation = validate(definition, typed, step_id=step_id, today=timezone.localdate())
    seconds = max(0, int((locked.updated_at - previous_save).total_seconds()))
    run_step_saved(draft, step_id, seconds, list(validation.errors))
    return validation


def _current(page_id: str, step_id: str) -> str:
    """What `Draft.current_step` keeps: the page, or its step if the id is too long."""
    max_length = Draft._meta.get_field("current_step").max_length
    return page_id if len(page_id) <= max_length else step_id


def contact_email(definition, data) -> str:
    """The e-mail address the form's applicant marker names, when the answer is a valid
    address; else ""."""
    if "email" not in definition.applicant:
        return ""
    cleaned = validate(definition, data, today=timezone.localdate()).data
    email = applicant_values(definition, cleaned).get("email", "")
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email


def _storable(value):
    """`value` without NUL characters, which PostgreSQL cannot store in JSON (a page post
    may carry them; the API refuses them before this point)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


def draft_set_data(*, draft: Draft, data: dict, current_step: str | None = None) -> Draft:
    """Replace the whole raw data (e.g. after adding or removing an entry of a repeated
    group with `forms.engine.apply_repeat_action`)."""
    if not isinstance(data, dict):
        raise TypeError("data must be a dict.")
    with transaction.atomic():
        locked = lock_draft(draft)
        # Verified values (a locked prefill origin) stay as they came, and so do the
        # values the platform sets (the Land of the Gemeinde).
        data = keep_locked(data, locked.prefilled)
        definition = version_definition(locked.form_version)
        data = with_system_values(definition, data, gemeinde_ars=locked.gemeinde_ars)
        locked.data = _storable(data)
        if current_step is not None:
            step_id = split_page_id(current_step)[0]
            definition.step(step_id)
            locked.current_step = _current(current_step, step_id)
        locked.save(update_fields=["data", "current_step", "updated_at"])
        draft_audit(locked, "draft.set_data", {"step": locked.current_step})
    refresh_from(draft, locked)
    return draft


# --- resume link -------------------------------------------------------------------------


def _resume_link_cooldown(draft: Draft) -> None:
    """Raise `ResumeLinkThrottled` when the draft's last resume link is too recent."""
    last = resume_link_last_owed(draft=draft)
    if last is None:
        return
    retry_at = last + datetime.timedelta(minutes=RESUME_LINK_COOLDOWN_MINUTES)
    now = timezone.now()
    if retry_at <= now:
        return
    minutes = max(1, math.ceil((retry_at - now).total_seconds() / 60))
    raise ResumeLinkThrottled(
        ngettext(
            "Wir haben Ihnen den Link zum Fortsetzen vor Kurzem gesendet. Bitte sehen Sie "
            "in Ihrem Postfach nach, auch im Spam-Ordner. Einen neuen Link können Sie in "
            "%(minutes)d Minute anfordern.",
            "Wir haben Ihnen den Link zum Fortsetzen vor Kurzem gesendet. Bitte sehen Sie "
            "in Ihrem Postfach nach, auch im Spam-Ordner. Einen neuen Link können Sie in "
            "%(minutes)d Minuten anfordern.",
            minutes,
        )
        % {"minutes": minutes},
        retry_at=retry_at,
    )


def draft_send_resume_link(*, draft: Draft, base_url: str | None, email: str | None = None):
    """E-mail the link to continue the draft (only the link and the service's name). For an
    anonymous draft the link's validity starts again. `email` sets the address first.
    Raises `ResumeLinkThrottled` (and changes nothing) when a link for this draft was owed
    less than `RESUME_LINK_COOLDOWN_MINUTES` ago."""
    with transaction.atomic():
        # The row lock also serialises the cooldown check of two concurrent requests.
        locked = lock_draft(draft)
        if email is not None:
            locked.email = _clean_email(email)
        if not (locked.email or (locked.user_id and locked.user.email)):
            raise SubmitInvalid(
                {"email": [_("Bitte geben Sie Ihre E-Mail-Adresse an.")]},
                message=_("Bitte geben Sie Ihre E-Mail-Adresse an."),
                data_paths=False,
            )
        _resume_link_cooldown(locked)
        if locked.user_id is None:
            locked.resume_token_expires_at = timezone.now() + datetime.timedelta(
                days=settings.DRAFT_LINK_DAYS
            )
        locked.save(update_fields=["email", "resume_token_expires_at", "updated_at"])
        resume_link_owe(draft=locked, base_url=base_url)
        draft_audit(locked, "draft.send_resume_link")
    refresh_from(draft, locked)


# --- retention ---------------------------------------------------------------------------


def drafts_delete_expired(*, now=None) -> int:
    """Delete drafts nobody can or will continue, with their files: anonymous drafts whose
    resume link has expired, and drafts of logged-in users untouched for
    `OPENKOMMUNE_DRAFT_RETENTION_DAYS`. Submitted drafts stay (their application refers to
    them; their raw data was emptied at submission). Each deletion is audited. Returns the
    number deleted. Idempotent; run it daily (`delete_expired_drafts`)."""
    now = now or timezone.now()
    stale_before = now - datetime.timedelta(days=settings.DRAFT_RETENTION_DAYS)
    expired = Draft.applicant_objects.filter(submitted_application__isnull=True).filter(
        models.Q(user__isnull=True, resume_token_expires_at__lte=now)
        | models.Q(user__isnull=False, updated_at__lte=stale_before)
    )
    deleted = 0
    for draft_id in expired.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            draft = (
                Draft.applicant_objects.select_for_update(of=("self",))
                .select_related("tenant")
                .filter(pk=draft_id, submitted_application__isnull=True)
                .first()
            )
            if draft is None:
                continue
            files = list(Attachment.applicant_objects.filter(draft=draft, application__isnull=True))
            names = [attachment.storage_name for attachment in files]
            audit_record(
                tenant=draft.tenant,
                actor=None,
                action="draft.delete_expired",
                obj=draft,
                before={"attachments": len(files), "anonymous": draft.user_id is None},
            )
            for attachment in files:
                attachment.delete()
            draft.delete()
            transaction.on_commit(lambda names=names: [delete_private(n) for n in names])
            deleted += 1
    return deleted
