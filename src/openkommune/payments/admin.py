"""Read-only admin for cooperative staff (a named cross-tenant surface, ADR 0002): fees,
connections to Bezahldienste, payments and notifications. Changes go through the audited
services (`fee_schedule_set`, `provider_config_set`, `payment_refund`). The shared secret is
never shown: only whether the variable the connection names is set."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from openkommune.core.admin import ReadOnlyAdminMixin
from openkommune.payments import providers
from openkommune.payments.constants import SIMULATOR_LABEL
from openkommune.payments.models import FeeSchedule, Payment, PaymentNotification, ProviderConfig
from openkommune.tenancy.admin import CrossTenantAdminMixin


@admin.register(ProviderConfig)
class ProviderConfigAdmin(CrossTenantAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "tenant",
        "provider",
        "originator_id",
        "endpoint_id",
        "haushaltsstelle",
        "secret_state",
        "note",
    ]
    list_select_related = ["tenant"]
    fields = [
        "tenant",
        "provider",
        "base_url",
        "originator_id",
        "endpoint_id",
        "client_certificate",
        "token_url",
        "client_id",
        "secret_reference",
        "secret_state",
        "haushaltsstelle",
        "objektnummer",
        "kassenzeichen_prefix",
        "next_number",
        "note",
    ]
    readonly_fields = fields

    @admin.display(description=_("Schlüssel"))
    def secret_state(self, config):
        if providers.secret_is_set(config):
            return _("hinterlegt (wird nie angezeigt)")
        return _("fehlt: Umgebungsvariable nicht gesetzt")

    @admin.display(description=_("Hinweis"))
    def note(self, config):
        return SIMULATOR_LABEL if config.is_demo else ""


@admin.register(FeeSchedule)
class FeeScheduleAdmin(CrossTenantAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["tenant", "form_key", "legal_basis", "pay_when", "is_demo", "updated_at"]
    list_filter = ["pay_when", "is_demo"]
    list_select_related = ["tenant"]


@admin.register(Payment)
class PaymentAdmin(CrossTenantAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "kassenzeichen",
        "tenant",
        "amount",
        "status",
        "needs_refund",
        "paid_at",
        "created_at",
    ]
    list_filter = ["status", "needs_refund", "provider", "is_demo"]
    list_select_related = ["tenant"]
    search_fields = ["kassenzeichen", "transaction_id"]
    exclude = ["payment_url", "data_sha256"]


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(CrossTenantAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "tenant", "payment", "outcome"]
    list_filter = ["outcome"]
    list_select_related = ["tenant", "payment"]
