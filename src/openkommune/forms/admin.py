"""Admin for cooperative staff: forms are read-only here (they change through
`load_forms`, the FIM import and the services); publishing and retiring are actions that
call the audited services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from openkommune.core.admin import ReadOnlyAdminMixin
from openkommune.forms.models import FormDefinition, FormVersion
from openkommune.forms.services import form_version_publish, form_version_retire


class FormVersionInline(admin.TabularInline):
    model = FormVersion
    fields = ["number", "status", "published_at", "retired_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FormDefinition)
class FormDefinitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["key", "title", "created_at"]
    search_fields = ["key", "title"]
    readonly_fields = ["key", "title", "leika_keys", "public_id", "created_at", "updated_at"]
    inlines = [FormVersionInline]


def _run(modeladmin, request, queryset, service, done: str):
    count = 0
    for version in queryset:
        try:
            service(actor=request.user, version=version)
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            modeladmin.message_user(request, f"{version}: {text}", messages.ERROR)
        else:
            count += 1
    if count:
        modeladmin.message_user(request, done % {"count": count}, messages.SUCCESS)


@admin.register(FormVersion)
class FormVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["form", "number", "status", "published_at", "retired_at"]
    list_filter = ["status"]
    list_select_related = ["form"]
    search_fields = ["form__key", "form__title"]
    readonly_fields = [
        "form",
        "number",
        "status",
        "published_at",
        "published_by",
        "retired_at",
        "import_report",
        "definition",
        "data_schema",
        "created_at",
    ]
    actions = ["publish", "retire"]

    @admin.action(description=_("Ausgewählte Entwürfe veröffentlichen"))
    def publish(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            form_version_publish,
            _("%(count)d Version(en) veröffentlicht."),
        )

    @admin.action(description=_("Ausgewählte Versionen zurückziehen"))
    def retire(self, request, queryset):
        _run(
            self, request, queryset, form_version_retire, _("%(count)d Version(en) zurückgezogen.")
        )
