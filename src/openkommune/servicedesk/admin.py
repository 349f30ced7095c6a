"""Cooperative staff keep the members' SLA targets in the admin; every save goes through the
audited service."""

from django.contrib import admin

from openkommune.servicedesk import services
from openkommune.servicedesk.models import SlaTarget
from openkommune.tenancy.admin import CrossTenantAdminMixin


@admin.register(SlaTarget)
class SlaTargetAdmin(CrossTenantAdminMixin, admin.ModelAdmin):
    list_display = ["tenant", "priority", "first_response_minutes", "resolution_minutes"]
    list_filter = ["priority"]
    fields = ["tenant", "priority", "first_response_minutes", "resolution_minutes"]

    def has_delete_permission(self, request, obj=None):
        return False  # a target is changed, never removed (old reports stay explainable)

    def save_model(self, request, obj, form, change):
        saved = services.sla_target_set(
            tenant=form.cleaned_data["tenant"],
            actor=request.user,
            priority=form.cleaned_data["priority"],
            first_response_minutes=form.cleaned_data["first_response_minutes"],
            resolution_minutes=form.cleaned_data["resolution_minutes"],
        )
        obj.pk, obj.public_id = saved.pk, saved.public_id
