"""Read-only admin: the catalogue changes only through `import_catalog`, so that a
re-import never overwrites a manual edit unnoticed."""

from django.contrib import admin
from django.db import transaction

from openkommune.catalog.models import (
    Lage,
    LeikaAssignment,
    LeikaService,
    OzgLeistung,
    ResponsibilityOverride,
    Themenfeld,
)
from openkommune.core.admin import ReadOnlyAdminMixin
from openkommune.core.read_cache import Topic, data_changed
from openkommune.tenancy.services import audit_record, snapshot


@admin.register(Themenfeld)
class ThemenfeldAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["official_id", "name", "is_current"]
    list_filter = ["is_current"]
    search_fields = ["name"]


@admin.register(Lage)
class LageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["official_id", "name", "kind", "themenfeld", "is_current"]
    list_filter = ["kind", "themenfeld", "is_current"]
    search_fields = ["name"]


@admin.register(OzgLeistung)
class OzgLeistungAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["ozg_id", "name", "lage", "themenfeld", "is_current"]
    list_filter = ["themenfeld", "is_current"]
    list_select_related = ["lage", "themenfeld"]
    search_fields = ["ozg_id", "name"]


@admin.register(LeikaService)
class LeikaServiceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["key", "name", "typisierung", "executed_by_kommune", "is_current"]
    list_filter = ["typisierung", "executed_by_kommune", "sdg1", "sdg2", "is_current"]
    search_fields = ["key", "name", "gesetzeskuerzel"]


@admin.register(LeikaAssignment)
class LeikaAssignmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["leika_key", "name", "ozg_id", "typisierung", "im_leika", "is_current"]
    list_filter = ["im_leika", "typisierung", "is_current"]
    search_fields = ["leika_key", "ozg_id", "name"]


@admin.register(ResponsibilityOverride)
class ResponsibilityOverrideAdmin(admin.ModelAdmin):
    """Regional exceptions to the responsibility rules, kept by cooperative staff.
    Every save and deletion is written to the audit trail (platform level, no tenant)."""

    list_display = ["region_ars", "ozg_leistung", "level", "organisation_ars", "updated_at"]
    list_filter = ["level"]
    search_fields = ["region_ars", "ozg_leistung__ozg_id", "ozg_leistung__name", "reason"]
    raw_id_fields = ["ozg_leistung"]
    fields = ["region_ars", "ozg_leistung", "level", "organisation_ars", "reason"]

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            before = snapshot(ResponsibilityOverride.objects.get(pk=obj.pk), OVERRIDE_FIELDS)
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            data_changed(Topic.CATALOG)  # cached responsible-authority answers
            audit_record(
                tenant=None,
                actor=request.user,
                action=f"responsibility_override.{'update' if change else 'create'}",
                obj=obj,
                before=before,
                after=snapshot(obj, OVERRIDE_FIELDS),
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(
                tenant=None,
                actor=request.user,
                action="responsibility_override.delete",
                obj=obj,
                before=snapshot(obj, OVERRIDE_FIELDS),
            )
            super().delete_model(request, obj)
            data_changed(Topic.CATALOG)

    def delete_queryset(self, request, queryset):
        # The list's "delete selected" action: each deletion audited like a single one.
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


OVERRIDE_FIELDS = ("region_ars", "ozg_leistung", "level", "organisation_ars", "reason")
