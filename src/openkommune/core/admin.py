"""Admin pieces shared by every outbox row (`core.outbox`): what cooperative staff see of an
e-mail that failed after every retry."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# The outbox's own columns, in the order the admins show them.
OUTBOX_FIELDS = ("status", "attempts", "last_error", "next_attempt_at", "sent_at", "created_at")


class OutboxAdminMixin:
    """Read-only list of outbox rows with their last error shortened for the list."""

    list_filter = ("status",)
    date_hierarchy = "created_at"

    @admin.display(description=_("Fehler"))
    def error(self, obj):
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
