"""Admin for cooperative staff: forms are read-only here (they change through
`load_forms`, the FIM import and the services); publishing and retiring are actions that
call the audited services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from openkommune.core.admin import ReadOnlyAdminMixin
from openkommune.forms.models import FormDefinition, FormVersion
from openkommune.forms.services import (
    form_min_trust_level_set,
    form_version_publish,
    form_version_retire,
)


class FormVersionInline(admin.TabularInline):
    model = FormVersion
    fields = ["number", "status", "published_at", "retired_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


def _trust_level_action(level: int, label):
    def action(modeladmin, request, queryset):
        count = 0
        for form in queryset:
            try:
                form_min_trust_level_set(actor=request.user, form=form, level=level)
            except (ValidationError, PermissionDenied) as exc:
                modeladmin.message_user(request, f"{form}: {exc}", messages.ERROR)
            else:
                count += 1
        if count:
            modeladmin.message_user(
                request,
                _("Vertrauensniveau für %(count)d Formular(e) gesetzt.") % {"count": count},
                messages.SUCCESS,
            )

    action.__name__ = f"trust_level_{level}"
    action.short_description = label
    return action


@admin.register(FormDefinition)
class FormDefinitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["key", "title", "min_trust_level", "created_at"]
    search_fields = ["key", "title"]
    readonly_fields = [
        "key", "title", "leika_keys", "min_trust_level", "public_id", "created_at", "updated_at",
    ]  # fmt: skip
    inlines = [FormVersionInline]
    # The cooperative's default BundID level (a member may set another per service).
    actions = [
        _trust_level_action(0, _("Vertrauensniveau: keine BundID-Anmeldung verlangen")),
        _trust_level_action(3, _("Vertrauensniveau: „substanziell“ verlangen")),
        _trust_level_action(4, _("Vertrauensniveau: „hoch“ (Online-Ausweis) verlangen")),
    ]


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
