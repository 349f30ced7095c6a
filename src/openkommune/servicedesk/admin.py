"""Cooperative staff keep the members' SLA targets and the teams' people in the admin; every
save goes through the audited services."""

from django.contrib import admin

from openkommune.servicedesk import services
from openkommune.servicedesk.forms import staff_users
from openkommune.servicedesk.models import SlaTarget, TeamMember
from openkommune.tenancy.admin import CrossTenantAdminMixin


@admin.register(SlaTarget)
class SlaTargetAdmin(CrossTenantAdminMixin, admin.ModelAdmin):
    list_display = [
        "tenant",
        "priority",
        "first_response_minutes",
        "resolution_minutes",
        "warning_percent",
    ]
    list_filter = ["priority"]
    fields = [
        "tenant",
        "priority",
        "first_response_minutes",
        "resolution_minutes",
        "warning_percent",
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # a target is changed, never removed (old reports stay explainable)

    def save_model(self, request, obj, form, change):
        saved = services.sla_target_set(
            tenant=form.cleaned_data["tenant"],
            actor=request.user,
            priority=form.cleaned_data["priority"],
            first_response_minutes=form.cleaned_data["first_response_minutes"],
            resolution_minutes=form.cleaned_data["resolution_minutes"],
            warning_percent=form.cleaned_data["warning_percent"],
        )
        obj.pk, obj.public_id = saved.pk, saved.public_id


@admin.register(TeamMember)
class TeamMemberAdmin(admin.ModelAdmin):
    """Who is warned about a team's tickets that have no assignee (escalation before breach)."""

    list_display = ["team", "user"]
    list_filter = ["team"]
    fields = ["user", "team"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = staff_users().distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        saved = services.team_member_add(
            actor=request.user, user=form.cleaned_data["user"], team=form.cleaned_data["team"]
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.team_member_remove(actor=request.user, member=obj)

    def delete_queryset(self, request, queryset):
        for member in queryset:
            services.team_member_remove(actor=request.user, member=member)
