"""Per-service settings of the back office: the legal processing deadline (`ServiceDeadline`)
and the notice template (`NoticeTemplate`).

`tenant` is a member organisation (its member administrators set its own rows on the page
`behoerde/leistungen/`) or None: the cooperative's default, which its staff set in the admin.
A member's own row wins over the default (`selectors.service_deadline_for`,
`notices.notice_template_for`). Every change is a tenancy audit record; a call that changes
nothing writes nothing.

A deadline counts from the receipt of an application and is copied to the case when the case
is opened (`Case.due_on`): changing it applies to applications received afterwards, not to
open cases. It needs its legal basis: the platform knows no deadline of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from openkommune.cases.constants import Decision
from openkommune.cases.models import NoticeTemplate, ServiceDeadline
from openkommune.cases.services.notice_texts import unknown_placeholders
from openkommune.cases.services.notices import NOTICE_TEXT_MAX_LENGTH
from openkommune.catalog.models import OzgLeistung
from openkommune.catalog.selectors import service_activation_list
from openkommune.core.read_cache import Topic, data_changed
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import Organisation
from openkommune.tenancy.scoping import scope
from openkommune.tenancy.selectors import require_cooperative_staff, user_has_role
from openkommune.tenancy.services import audit_record, audit_saved

# Ten years: beyond that a typo is more likely than a law.
MAX_DEADLINE_DAYS = 3650
LEGAL_BASIS_MAX_LENGTH = 200
TEMPLATE_TITLE_MAX_LENGTH = 200


# --- who may ---------------------------------------------------------------------------------


def check_settings_actor(actor, tenant: Organisation | None, *, refusal: str = "") -> None:
    """The system (None) may always; a member's rows its member administrators, the
    cooperative's defaults its staff (and the platform's superusers). `refusal`: the
    message for anyone else on a member's rows."""
    if actor is None:
        return
    if tenant is None:
        require_cooperative_staff(actor, _("Nur die Genossenschaft legt Vorgaben für alle fest."))
    elif not user_has_role(actor, tenant=tenant, role=Role.MEMBER_ADMIN):
        raise PermissionDenied(
            refusal or _("Nur die Mitgliedsverwaltung ändert diese Einstellungen.")
        )


def _own_rows(model, tenant: Organisation | None):
    """The rows of `tenant` (inside its scope) or the cooperative's defaults (tenant NULL,
    through the model's unscoped manager, filtered to NULL here)."""
    if tenant is None:
        return model.all_objects.filter(tenant__isnull=True)
    return model.objects.filter(tenant=tenant)


def _own_row_locked(model, tenant: Organisation | None, **lookup):
    """That own row of `tenant` (or the cooperative's default), locked; None if missing."""
    return _own_rows(model, tenant).select_for_update().filter(**lookup).first()


def _person(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


@dataclass(frozen=True)
class OwnSetting:
    """A setting that members keep per service in rows of their own (tenant None: the
    cooperative's defaults), changed only through `put`: under a row lock, audited as
    `kind` / `<kind>.delete` with the row's key and `fields`; no change, no write and no
    record."""

    model: type
    kind: str
    fields: tuple[str, ...]  # the values; the key (`lookup` of `put`) finds the row
    stamp: bool = False  # the row records who changed it last (`updated_by`)

    def put(self, *, tenant: Organisation | None, actor, lookup: dict, values: dict | None):
        """Set the row of `tenant` that `lookup` finds to `values`, creating it, or remove it
        (`values=None`). Returns the row (after a removal the removed one), None when there
        was none to remove. Call it inside a transaction."""
        with scope(tenant=tenant):
            row = _own_row_locked(self.model, tenant, **lookup)
            before = self._snapshot(row, lookup)
            if values is None:
                if row is not None:
                    audit_record(
                        tenant=tenant,
                        actor=actor,
                        action=f"{self.kind}.delete",
                        obj=row,
                        before=before,
                    )
                    row.delete()
                return row
            if row is None:
                row = self.model(tenant=tenant, **lookup)
            for name, value in values.items():
                setattr(row, name, value)
            after = self._snapshot(row, lookup)
            if after == before:
                return row
            if self.stamp:
                row.updated_by = _person(actor)
            row.save()
        audit_saved(tenant=tenant, actor=actor, kind=self.kind, obj=row, before=before, after=after)
        return row

    def _snapshot(self, row, lookup: dict) -> dict | None:
        if row is None:
            return None
        return {name: row.serializable_value(name) for name in (*lookup, *self.fields)}


# --- legal deadline --------------------------------------------------------------------------


DEADLINE = OwnSetting(ServiceDeadline, "service_deadline", ("days", "legal_basis"))


def clean_deadline(days, legal_basis: str) -> tuple[int | None, str]:
    """(days, legal basis) as stored; `ValidationError` with the fields at fault."""
    legal_basis = " ".join((legal_basis or "").split())
    if days is None:
        return None, ""
    if not isinstance(days, int) or not 1 <= days <= MAX_DEADLINE_DAYS:
        raise ValidationError(
            {"days": _("Bitte eine Zahl von 1 bis %(n)d angeben.") % {"n": MAX_DEADLINE_DAYS}}
        )
    if not legal_basis:
        raise ValidationError({"legal_basis": _("Bitte nennen Sie die Rechtsgrundlage der Frist.")})
    if len(legal_basis) > LEGAL_BASIS_MAX_LENGTH:
        raise ValidationError(
            {
                "legal_basis": _("Bitte höchstens %(n)d Zeichen angeben.")
                % {"n": LEGAL_BASIS_MAX_LENGTH}
            }
        )
    return days, legal_basis


@transaction.atomic
def service_deadline_set(
    *,
    tenant: Organisation | None,
    actor,
    ozg_leistung: OzgLeistung,
    days: int | None,
    legal_basis: str = "",
) -> ServiceDeadline | None:
    """Set the legal processing deadline (calendar days after receipt) of one service for
    `tenant` (None: the cooperative's default); `days=None` removes that row, so the next
    more general one applies (or none). Raises `PermissionDenied`, `ValidationError`."""
    check_settings_actor(actor, tenant)
    days, legal_basis = clean_deadline(days, legal_basis)
    values = None if days is None else {"days": days, "legal_basis": legal_basis}
    row = DEADLINE.put(
        tenant=tenant, actor=actor, lookup={"ozg_leistung": ozg_leistung}, values=values
    )
    # The submit reads deadlines from the read cache (`service_deadline_for_cached`).
    data_changed(Topic.SERVICE_SETTINGS)
    return None if days is None else row


# --- notice template -------------------------------------------------------------------------


TEMPLATE = OwnSetting(NoticeTemplate, "notice_template", ("title", "body"), stamp=True)


def clean_template(decision: str, title: str, body: str) -> tuple[str, str, str]:
    """(decision, title, body) as stored; `ValidationError` with the fields at fault."""
    if decision not in ("", *Decision.values):
        raise ValidationError({"decision": _("Bitte wählen Sie eine der Entscheidungen.")})
    title = " ".join((title or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Bitte geben Sie eine Überschrift ein.")]
    elif len(title) > TEMPLATE_TITLE_MAX_LENGTH:
        errors["title"] = [
            _("Bitte höchstens %(n)d Zeichen angeben.") % {"n": TEMPLATE_TITLE_MAX_LENGTH}
        ]
    if not body:
        errors["body"] = [_("Bitte geben Sie den Text des Bescheids ein.")]
    elif len(body) > NOTICE_TEXT_MAX_LENGTH:
        errors["body"] = [
            _("Der Text ist zu lang (höchstens %(n)d Zeichen).") % {"n": NOTICE_TEXT_MAX_LENGTH}
        ]
    # A typo in a placeholder would be printed as written into every notice: refuse it.
    for name, text in (("title", title), ("body", body)):
        unknown = unknown_placeholders(text)
        if unknown and name not in errors:
            errors[name] = [
                _("Diese Platzhalter gibt es nicht: %(names)s.")
                % {"names": ", ".join(f"{{{{ {n} }}}}" for n in unknown)}
            ]
    if errors:
        raise ValidationError(errors)
    return decision, title, body


@transaction.atomic
def notice_template_set(
    *,
    tenant: Organisation | None,
    actor,
    ozg_leistung: OzgLeistung,
    title: str,
    body: str,
    decision: str = "",
) -> NoticeTemplate:
    """Set the notice template of one service for `tenant` (None: the cooperative's
    default), for one decision or (`decision=""`) for every decision without its own.
    Placeholders: `notice_texts.PLACEHOLDERS`; unknown ones are refused. Raises
    `PermissionDenied`, `ValidationError`."""
    check_settings_actor(actor, tenant)
    decision, title, body = clean_template(decision, title, body)
    return _template_put(tenant, actor, ozg_leistung, decision, {"title": title, "body": body})


def _template_put(tenant, actor, ozg_leistung, decision: str, values: dict | None):
    lookup = {"ozg_leistung": ozg_leistung, "decision": decision}
    return TEMPLATE.put(tenant=tenant, actor=actor, lookup=lookup, values=values)


@transaction.atomic
def notice_template_remove(
    *, tenant: Organisation | None, actor, ozg_leistung: OzgLeistung, decision: str = ""
) -> bool:
    """Remove that template, so the next more general one applies (in the end the built-in
    text). Notices issued with it keep their text (`Notice.body`). False: there was none."""
    check_settings_actor(actor, tenant)
    return _template_put(tenant, actor, ozg_leistung, decision, None) is not None


# --- reads for the member's page -------------------------------------------------------------


@dataclass(frozen=True)
class ServiceSettingsRow:
    leistung: OzgLeistung
    own_deadline: ServiceDeadline | None
    default_deadline: ServiceDeadline | None
    own_template: NoticeTemplate | None  # for every decision
    default_template: NoticeTemplate | None
    own_decision_templates: int  # the member's templates for single decisions

    @property
    def deadline(self) -> ServiceDeadline | None:
        return self.own_deadline or self.default_deadline


def offered_leistung(*, tenant: Organisation, ozg_id: str) -> OzgLeistung | None:
    """The service with this OZG-ID if `tenant` offers it online (activated), else None."""
    with scope(tenant=tenant):
        for activation in service_activation_list(tenant=tenant):
            if activation.is_active and activation.ozg_leistung.ozg_id == ozg_id:
                return activation.ozg_leistung
    return None


def service_settings_rows(*, tenant: Organisation) -> list[ServiceSettingsRow]:
    """Deadline and notice template of every service `tenant` offers online, by name."""
    with scope(tenant=tenant):
        leistungen = sorted(
            (a.ozg_leistung for a in service_activation_list(tenant=tenant) if a.is_active),
            key=lambda leistung: leistung.name,
        )
        ids = [leistung.pk for leistung in leistungen]
        mine_or_default = Q(tenant=tenant) | Q(tenant__isnull=True)
        deadlines = list(
            ServiceDeadline.all_objects.filter(mine_or_default, ozg_leistung_id__in=ids)
        )
        templates = list(
            NoticeTemplate.all_objects.filter(mine_or_default, ozg_leistung_id__in=ids)
        )
    rows = []
    for leistung in leistungen:
        own_d = [d for d in deadlines if d.ozg_leistung_id == leistung.pk and d.tenant_id]
        default_d = [d for d in deadlines if d.ozg_leistung_id == leistung.pk and not d.tenant_id]
        mine = [t for t in templates if t.ozg_leistung_id == leistung.pk and t.tenant_id]
        default_t = [
            t
            for t in templates
            if t.ozg_leistung_id == leistung.pk and not t.tenant_id and not t.decision
        ]
        rows.append(
            ServiceSettingsRow(
                leistung=leistung,
                own_deadline=own_d[0] if own_d else None,
                default_deadline=default_d[0] if default_d else None,
                own_template=next((t for t in mine if not t.decision), None),
                default_template=default_t[0] if default_t else None,
                own_decision_templates=sum(1 for t in mine if t.decision),
            )
        )
    return rows


def own_notice_template(*, tenant: Organisation, ozg_leistung: OzgLeistung, decision: str = ""):
    with scope(tenant=tenant):
        return NoticeTemplate.objects.filter(
            tenant=tenant, ozg_leistung=ozg_leistung, decision=decision
        ).first()


def default_notice_template(*, ozg_leistung: OzgLeistung, decision: str = ""):
    return NoticeTemplate.all_objects.filter(
        tenant__isnull=True, ozg_leistung=ozg_leistung, decision=decision
    ).first()


def own_service_deadline(*, tenant: Organisation, ozg_leistung: OzgLeistung):
    with scope(tenant=tenant):
        return ServiceDeadline.objects.filter(tenant=tenant, ozg_leistung=ozg_leistung).first()


def default_service_deadline(*, ozg_leistung: OzgLeistung):
    return ServiceDeadline.all_objects.filter(
        tenant__isnull=True, ozg_leistung=ozg_leistung
    ).first()
