"""Admin for cooperative staff: a named cross-tenant surface (see ADR 0002).

Memberships and audit records are read-only here (they change through the services);
organisation edits go through `organisation_create`/`organisation_update`.
"""

from django.contrib import admin

from openkommune.core.admin import ReadOnlyAdminMixin
from openkommune.tenancy.models import AuditRecord, Membership, Organisation
from openkommune.tenancy.scoping import scopes_disabled
from openkommune.tenancy.services import (
    ORGANISATION_FIELDS,
    organisation_create,
    organisation_update,
)


class CrossTenantAdminMixin:
    """Runs each admin view with scopes disabled and renders it inside that block."""

    def _unscoped(self, view, *args, **kwargs):
        with scopes_disabled():
            response = view(*args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    def changelist_view(self, request, extra_context=None):
        return self._unscoped(super().changelist_view, request, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._unscoped(super().changeform_view, request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        return self._unscoped(super().delete_view, request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        return self._unscoped(super().history_view, request, object_id, extra_context)


class MembershipInline(ReadOnlyAdminMixin, admin.TabularInline):
    # Its queryset is built inside the organisation's (unscoped) change view.
    model = Membership
    fields = ("user", "role", "created_at")
    readonly_fields = fields
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(CrossTenantAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "region_ars", "is_cooperative", "is_demo", "is_active")
    list_filter = ("kind", "is_demo", "is_active")
    search_fields = ("name", "short_name", "region_ars")
    readonly_fields = ("public_id", "created_at", "updated_at")
    inlines = [MembershipInline]

    def has_delete_permission(self, request, obj=None):
        # Organisations are deactivated, never deleted: their audit trail must stay.
        return False

    def save_model(self, request, obj, form, change):
        # Through the services, so admin edits are checked and audited like any other.
        fields = {name: getattr(obj, name) for name in ORGANISATION_FIELDS}
        if change:
            current = Organisation.objects.get(pk=obj.pk)
            changed = {name: fields[name] for name in form.changed_data if name in fields}
            organisation_update(tenant=current, actor=request.user, **changed)
        else:
            created = organisation_create(actor=request.user, **fields)
            obj.pk = created.pk
            obj.public_id = created.public_id


@admin.register(Membership)
class MembershipAdmin(CrossTenantAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("tenant", "user", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("tenant__name", "user__email")


@admin.register(AuditRecord)
class AuditRecordAdmin(CrossTenantAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "tenant", "actor", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "action")
