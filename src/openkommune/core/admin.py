"""The cooperative's one page of the e-mail outbox (`core.outbox`): every e-mail the
platform owes, across all organisations, with those that failed after every retry or had no
address, and the action to try them again. Read-only otherwise; no e-mail text and only a
shortened address are shown. The admin site itself admits cooperative staff only
(`tenancy.admin_site`).

`ReadOnlyAdminMixin` is here, at the bottom layer, so that every app's admin can use it."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from openkommune.core import outbox
from openkommune.core.outbox_models import OutboxMail, OutboxStatus


class ReadOnlyAdminMixin:
    """For a model admin or inline whose rows change only through the services (or an
    import): it shows them and nothing else."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def masked(address: str) -> str:
    """ "e…@example.org": enough to tell addresses apart, not to read them."""
    local, at, domain = address.partition("@")
    return f"{local[:1]}…@{domain}" if at else ("…" if address else "–")


@admin.register(OutboxMail)
class OutboxMailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind_label",
        "reference",
        "tenant",
        "to",
        "status",
        "attempts",
        "error",
    )
    list_filter = ("status", "kind", "tenant")
    list_select_related = ("tenant",)
    date_hierarchy = "created_at"
    fields = (
        "kind_label",
        "reference",
        "tenant",
        "to",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "created_at",
    )
    readonly_fields = fields
    actions = ["retry"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("subject")

    @admin.display(description=_("Art"), ordering="kind")
    def kind_label(self, obj):
        kind = outbox.kind_of(obj)
        return kind.label if kind else obj.kind

    @admin.display(description=_("Bezug"))
    def reference(self, obj):
        kind = outbox.kind_of(obj)
        if kind is None or obj.subject is None:
            return "–"
        return kind.reference(obj) or "–"

    @admin.display(description=_("an"))
    def to(self, obj):
        return masked(obj.recipient)

    @admin.display(description=_("Fehler"))
    def error(self, obj):
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.action(description=_("Fehlgeschlagene oder nicht gesendete E-Mails erneut versuchen"))
    def retry(self, request, queryset):
        stuck = queryset.filter(status__in=(OutboxStatus.FAILED, OutboxStatus.NO_ADDRESS))
        restarted = skipped = 0
        for row in stuck:
            if outbox.retry(row, actor=request.user).status == OutboxStatus.PENDING:
                restarted += 1
            else:
                skipped += 1
        self.message_user(
            request,
            ngettext(
                "%(n)d E-Mail wird erneut versucht.",
                "%(n)d E-Mails werden erneut versucht.",
                restarted,
            )
            % {"n": restarted},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(n)d E-Mail hat noch keine Empfängeradresse; bitte zuerst ergänzen.",
                    "%(n)d E-Mails haben noch keine Empfängeradresse; bitte zuerst ergänzen.",
                    skipped,
                )
                % {"n": skipped},
                messages.WARNING,
            )

    # The site admits cooperative staff only; they all may see this page and retry.
    def has_module_permission(self, request):
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)
