"""Admin for cooperative staff (a named cross-tenant surface, ADR 0002): the cooperative's
defaults per service — notice templates, legal processing deadlines, retention rules.

Rows without an organisation are the cooperative's defaults: added, changed and deleted here,
always through the audited services (`service_settings`, `retention.retention_rule_set`).
A member's own rows are listed for overview but read-only: members change them on their own
pages (`behoerde/leistungen/`, `behoerde/aufbewahrung/`), so that nobody changes another
organisation's settings unnoticed. The service (and decision) of an existing default stays
fixed; another service is another row.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from openkommune.cases.models import NoticeTemplate, RetentionRule, ServiceDeadline
from openkommune.cases.services import retention, service_settings
from openkommune.tenancy.admin import CrossTenantAdminMixin


class OriginFilter(admin.SimpleListFilter):
    title = _("Herkunft")
    parameter_name = "herkunft"

    def lookups(self, request, model_admin):
        return [
            ("genossenschaft", _("Vorgabe der Genossenschaft")),
            ("mitglied", _("eigene Einstellung eines Mitglieds")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "genossenschaft":
            return queryset.filter(tenant__isnull=True)
        if self.value() == "mitglied":
            return queryset.filter(tenant__isnull=False)
        return queryset


class CooperativeDefaultAdmin(CrossTenantAdminMixin, admin.ModelAdmin):
    """Shared behaviour: defaults editable through a service, members' rows read-only.

    A default is saved by `save_default(tenant=None, actor=…, **key, **values)`, the audited
    service of its model (`key_fields` from the form, `value_fields`), and deleted by the
    same service with `cleared` values unless `delete_model` says otherwise."""

    value_fields: tuple[str, ...] = ()
    cleared: dict = {}
    list_filter = (OriginFilter,)
    search_fields = ("ozg_leistung__ozg_id", "ozg_leistung__name", "tenant__name")
    raw_id_fields = ("ozg_leistung",)
    list_select_related = ("tenant", "ozg_leistung")

    @admin.display(description=_("Organisation"), ordering="tenant__name")
    def origin(self, obj):
        return obj.tenant.name if obj.tenant_id else _("Vorgabe der Genossenschaft")

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        # Deleting goes one by one through the audited service (delete_model).
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.tenant_id is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.tenant_id is not None:
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return self.form.key_fields if obj is not None else ()

    def key(self, obj) -> dict:
        return {name: getattr(obj, name) for name in self.form.key_fields}

    def save_model(self, request, obj, form, change):
        values = {name: getattr(obj, name) for name in self.value_fields}
        saved = self.save_default(tenant=None, actor=request.user, **self.key(obj), **values)
        # The admin goes on with `obj` (messages, log entry, redirect): give it the row's id.
        if saved is not None:
            obj.pk = saved.pk
            obj.public_id = saved.public_id

    def delete_model(self, request, obj):
        self.save_default(tenant=None, actor=request.user, **self.key(obj), **self.cleared)


class _CooperativeForm(forms.ModelForm):
    """Rows added here are the cooperative's (`tenant` stays empty); one per key."""

    key_fields: tuple[str, ...] = ()

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and not self.errors:
            key = {name: data.get(name) for name in self.key_fields}
            exists = type(self.instance).all_objects.filter(tenant__isnull=True, **key).exists()
            if exists:
                raise ValidationError(
                    _(
                        "Für diese Angaben gibt es schon eine Vorgabe der Genossenschaft. "
                        "Bitte ändern Sie diese."
                    )
                )
        return data


# --- notice templates ------------------------------------------------------------------------


class NoticeTemplateForm(_CooperativeForm):
    key_fields = ("ozg_leistung", "decision")

    class Meta:
        model = NoticeTemplate
        fields = ("ozg_leistung", "decision", "title", "body")

    def clean(self):
        data = super().clean()
        if not self.errors:
            decision = data.get("decision") or ""
            if self.instance.pk is not None:
                decision = self.instance.decision
            service_settings.clean_template(decision, data.get("title"), data.get("body"))
        return data


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(CooperativeDefaultAdmin):
    form = NoticeTemplateForm
    value_fields = ("title", "body")
    save_default = staticmethod(service_settings.notice_template_set)
    list_display = ("ozg_leistung", "decision", "origin", "title", "updated_at")

    def delete_model(self, request, obj):
        service_settings.notice_template_remove(tenant=None, actor=request.user, **self.key(obj))


# --- legal deadlines -------------------------------------------------------------------------


class ServiceDeadlineForm(_CooperativeForm):
    key_fields = ("ozg_leistung",)

    class Meta:
        model = ServiceDeadline
        fields = ("ozg_leistung", "days", "legal_basis")

    def clean(self):
        data = super().clean()
        if not self.errors:
            service_settings.clean_deadline(data.get("days"), data.get("legal_basis"))
        return data


@admin.register(ServiceDeadline)
class ServiceDeadlineAdmin(CooperativeDefaultAdmin):
    form = ServiceDeadlineForm
    value_fields = ("days", "legal_basis")
    cleared = {"days": None}
    save_default = staticmethod(service_settings.service_deadline_set)
    list_display = ("ozg_leistung", "origin", "days", "legal_basis", "updated_at")


# --- retention rules -------------------------------------------------------------------------


class RetentionRuleForm(_CooperativeForm):
    key_fields = ("ozg_leistung",)

    class Meta:
        model = RetentionRule
        fields = ("ozg_leistung", "months", "action")
        help_texts = {
            "ozg_leistung": _("Leer lassen: die Vorgabe für alle Leistungen ohne eigene Regel.")
        }

    def clean_months(self):
        months = self.cleaned_data.get("months")
        if months is not None and not 1 <= months <= retention.MAX_RETENTION_MONTHS:
            raise ValidationError(
                _("Bitte eine Zahl von 1 bis %(n)d angeben.")
                % {"n": retention.MAX_RETENTION_MONTHS}
            )
        return months


@admin.register(RetentionRule)
class RetentionRuleAdmin(CooperativeDefaultAdmin):
    form = RetentionRuleForm
    value_fields = ("months", "action")
    cleared = {"months": None}
    save_default = staticmethod(retention.retention_rule_set)
    list_display = ("service", "origin", "months", "action", "updated_at")

    @admin.display(description=_("OZG-Leistung"), ordering="ozg_leistung__name")
    def service(self, obj):
        return obj.ozg_leistung or _("alle übrigen Leistungen")
