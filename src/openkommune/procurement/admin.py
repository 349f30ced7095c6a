"""Admin for cooperative staff (a named cross-tenant surface, ADR 0002): the order e-mails to
suppliers, so that an operator sees those that failed after every retry, or that had no
supplier address, and can start a new round once the cause is fixed. Read-only otherwise."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from openkommune.core.admin import OutboxAdminMixin
from openkommune.procurement.constants import OrderMailStatus
from openkommune.procurement.models import OrderMail
from openkommune.procurement.order_mail import order_mail_retry
from openkommune.tenancy.admin import CrossTenantAdminMixin


@admin.register(OrderMail)
class OrderMailAdmin(CrossTenantAdminMixin, OutboxAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "reference", "tenant", "recipient", "status", "attempts", "error")
    search_fields = ("call_off__reference", "recipient")
    fields = (
        "reference",
        "tenant",
        "status",
        "recipient",
        "copy_to",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "created_at",
    )
    readonly_fields = fields
    actions = ["retry"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tenant", "call_off")

    @admin.display(description=_("Abrufnummer"), ordering="call_off__reference")
    def reference(self, obj):
        return obj.call_off.reference

    @admin.action(
        description=_("Fehlgeschlagene oder nicht gesendete Bestell-E-Mails erneut senden")
    )
    def retry(self, request, queryset):
        stuck = (OrderMailStatus.FAILED, OrderMailStatus.NO_ADDRESS)
        restarted = [
            row
            for row in queryset.filter(status__in=stuck)
            if order_mail_retry(actor=request.user, order_mail=row).status
            == OrderMailStatus.PENDING
        ]
        skipped = queryset.filter(status=OrderMailStatus.NO_ADDRESS).count()
        self.message_user(
            request,
            ngettext(
                "%(n)d Bestell-E-Mail wird erneut gesendet.",
                "%(n)d Bestell-E-Mails werden erneut gesendet.",
                len(restarted),
            )
            % {"n": len(restarted)},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(n)d Lieferant hat noch keine E-Mail-Adresse; bitte zuerst ergänzen.",
                    "%(n)d Lieferanten haben noch keine E-Mail-Adresse; bitte zuerst ergänzen.",
                    skipped,
                )
                % {"n": skipped},
                messages.WARNING,
            )
