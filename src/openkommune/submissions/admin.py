"""Admin for cooperative staff (a named cross-tenant surface, ADR 0002): the e-mails the
platform owes applicants, so that an operator sees those that failed after every retry and
can start a new round. Read-only otherwise; no form data is shown."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from openkommune.core.admin import OutboxAdminMixin
from openkommune.submissions.constants import NotificationStatus
from openkommune.submissions.models import NotificationLog
from openkommune.submissions.services.notifications import notification_retry


@admin.register(NotificationLog)
class NotificationLogAdmin(OutboxAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "status", "attempts", "tenant", "reference", "error")
    list_filter = ("status", "kind")
    search_fields = ("application__reference",)
    fields = (
        "kind",
        "status",
        "attempts",
        "tenant",
        "reference",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "created_at",
    )
    readonly_fields = fields
    actions = ["retry_failed"]

    def get_queryset(self, request):
        # Cooperative staff look across tenants here on purpose (the admin is theirs only).
        return NotificationLog.applicant_objects.select_related("tenant", "application")

    @admin.display(description=_("Aktenzeichen"))
    def reference(self, obj):
        return obj.application.reference if obj.application_id else "–"

    @admin.action(description=_("Fehlgeschlagene E-Mails erneut versuchen"))
    def retry_failed(self, request, queryset):
        failed = [n for n in queryset if n.status == NotificationStatus.FAILED]
        for notification in failed:
            notification_retry(actor=request.user, notification=notification)
        self.message_user(
            request,
            ngettext(
                "%(n)d E-Mail wird erneut versucht.",
                "%(n)d E-Mails werden erneut versucht.",
                len(failed),
            )
            % {"n": len(failed)},
            messages.SUCCESS,
        )
