"""Admin for cooperative staff: programmes and their eligible categories (audited edits).

Budgets and ledger entries are not here: they change only through the ledger services.
"""

from django.contrib import admin
from django.db import transaction

from openkommune.digitalpakt.models import FundingCategory, FundingProgramme
from openkommune.tenancy.services import audit_record, snapshot

PROGRAMME_FIELDS = (
    "code",
    "name",
    "federal_share",
    "own_share",
    "starts_on",
    "ends_on",
    "description",
    "source",
    "is_active",
)


class FundingCategoryInline(admin.TabularInline):
    model = FundingCategory
    extra = 0


@admin.register(FundingProgramme)
class FundingProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "federal_share", "own_share", "starts_on", "ends_on", "is_active")
    inlines = [FundingCategoryInline]

    def has_delete_permission(self, request, obj=None):
        # Budgets refer to programmes; a programme ends by being set inactive.
        return False

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        before = None
        if change:
            before = snapshot(FundingProgramme.objects.get(pk=obj.pk), PROGRAMME_FIELDS)
        super().save_model(request, obj, form, change)
        audit_record(
            tenant=None,
            actor=request.user,
            action="digitalpakt.programme_change" if change else "digitalpakt.programme_create",
            obj=obj,
            before=before,
            after=snapshot(obj, PROGRAMME_FIELDS),
        )

    @transaction.atomic
    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.has_changed():
            audit_record(
                tenant=None,
                actor=request.user,
                action="digitalpakt.categories_change",
                obj=form.instance,
                after={
                    "categories": [
                        {"name": c.name, "cpv_prefixes": c.cpv_prefixes}
                        for c in form.instance.categories.all()
                    ]
                },
            )
