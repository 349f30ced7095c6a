"""Read-only admin: the catalogue changes only through `import_catalog`, so that a
re-import never overwrites a manual edit unnoticed."""

from django.contrib import admin

from openkommune.catalog.models import Lage, LeikaAssignment, LeikaService, OzgLeistung, Themenfeld


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Themenfeld)
class ThemenfeldAdmin(ReadOnlyAdmin):
    list_display = ["official_id", "name", "is_current"]
    list_filter = ["is_current"]
    search_fields = ["name"]


@admin.register(Lage)
class LageAdmin(ReadOnlyAdmin):
    list_display = ["official_id", "name", "kind", "themenfeld", "is_current"]
    list_filter = ["kind", "themenfeld", "is_current"]
    search_fields = ["name"]


@admin.register(OzgLeistung)
class OzgLeistungAdmin(ReadOnlyAdmin):
    list_display = ["ozg_id", "name", "lage", "themenfeld", "is_current"]
    list_filter = ["themenfeld", "is_current"]
    list_select_related = ["lage", "themenfeld"]
    search_fields = ["ozg_id", "name"]


@admin.register(LeikaService)
class LeikaServiceAdmin(ReadOnlyAdmin):
    list_display = ["key", "name", "typisierung", "executed_by_kommune", "is_current"]
    list_filter = ["typisierung", "executed_by_kommune", "sdg1", "sdg2", "is_current"]
    search_fields = ["key", "name", "gesetzeskuerzel"]


@admin.register(LeikaAssignment)
class LeikaAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["leika_key", "name", "ozg_id", "typisierung", "im_leika", "is_current"]
    list_filter = ["im_leika", "typisierung", "is_current"]
    search_fields = ["leika_key", "ozg_id", "name"]
