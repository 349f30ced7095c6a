"""The contact form's messages for cooperative staff: read-only (they arrive by e-mail too and
are deleted after the retention period, `contact_messages_delete_expired`)."""

from django.contrib import admin

from openkommune.core.admin import ReadOnlyAdminMixin
from openkommune.website.models import ContactMessage


@admin.register(ContactMessage)
class ContactMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "subject", "name", "email"]
    search_fields = ["subject", "name", "email"]
    date_hierarchy = "created_at"
    fields = ["public_id", "created_at", "name", "email", "subject", "message"]
