"""Cooperative staff keep the Fachverfahren and the members' subscriptions in the admin;
every save goes through the services (audited)."""

from django import forms
from django.contrib import admin

from openkommune.fachverfahren import services
from openkommune.fachverfahren.models import Fachverfahren, Subscription
from openkommune.tenancy.admin import CrossTenantAdminMixin


@admin.register(Fachverfahren)
class FachverfahrenAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "vendor", "operating_mode", "price_per_year", "is_active"]
    list_filter = ["operating_mode", "is_active"]
    search_fields = ["name", "vendor"]
    fields = list(services.FACHVERFAHREN_FIELDS)

    def has_delete_permission(self, request, obj=None):
        return False  # retired with "im Angebot" off: subscriptions and charges stay

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in services.FACHVERFAHREN_FIELDS}
        if change:
            saved = services.fachverfahren_update(fachverfahren=obj, actor=request.user, **values)
        else:
            saved = services.fachverfahren_create(actor=request.user, **values)
        obj.pk, obj.public_id = saved.pk, saved.public_id


class SubscriptionForm(forms.ModelForm):
    class Meta:
        model = Subscription
        fields = ["tenant", "fachverfahren", "quantity", "starts_on", "ends_on"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and not self.errors:
            services.subscription_validate(
                tenant=cleaned["tenant"],
                fachverfahren=cleaned["fachverfahren"],
                starts_on=cleaned["starts_on"],
                ends_on=cleaned.get("ends_on"),
            )
        return cleaned


@admin.register(Subscription)
class SubscriptionAdmin(CrossTenantAdminMixin, admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["tenant", "fachverfahren", "quantity", "starts_on", "ends_on"]
    list_filter = ["fachverfahren"]
    search_fields = ["tenant__name", "fachverfahren__name"]
    autocomplete_fields = ["fachverfahren"]

    def get_fields(self, request, obj=None):
        return (
            ["ends_on"] if obj else ["tenant", "fachverfahren", "quantity", "starts_on", "ends_on"]
        )

    def get_readonly_fields(self, request, obj=None):
        return ["tenant", "fachverfahren", "quantity", "starts_on"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False  # ended with a date, so past charges stay as they were

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = services.subscription_end(
                subscription=obj, actor=request.user, ends_on=data["ends_on"]
            )
        else:
            saved = services.subscription_create(
                tenant=data["tenant"],
                actor=request.user,
                fachverfahren=data["fachverfahren"],
                quantity=data["quantity"],
                starts_on=data["starts_on"],
                ends_on=data.get("ends_on"),
            )
        obj.pk, obj.public_id = saved.pk, saved.public_id
