"""The member's payment pages: the day's bookings (with the exports for the Kasse), the
reconciliation, and the clerk's refund or cancellation through the Bezahldienst."""

from __future__ import annotations

import datetime
import json

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from openkommune.accounts.access import back_office, member_admin_page
from openkommune.core import tables
from openkommune.core.files import download_response
from openkommune.core.forms import render_form
from openkommune.core.timezone import local_date
from openkommune.forms.selectors import form_list
from openkommune.payments import exports, fees, providers, selectors, services
from openkommune.payments.constants import SIMULATOR_LABEL
from openkommune.payments.forms import FeeScheduleForm
from openkommune.payments.models import FeeSchedule, Payment


def _day(request) -> tuple[datetime.date, str]:
    today = local_date()
    raw = request.GET.get("tag", "")
    if not raw:
        return today, ""
    try:
        return datetime.date.fromisoformat(raw), ""
    except ValueError:
        return today, _("Bitte ein Datum im Format JJJJ-MM-TT angeben, zum Beispiel %(d)s.") % {
            "d": today.isoformat()
        }


def _config_context(tenant) -> dict:
    config = selectors.provider_config_for(tenant)
    if config is None:
        return {"config": None}
    return {
        "config": config,
        "dialect": providers.DIALECTS[config.provider],
        "secret_set": providers.secret_is_set(config),
        "simulator_hint": SIMULATOR_LABEL if config.is_demo else "",
    }


@back_office
def bookings(request, tenant):
    day, error = _day(request)
    found = selectors.bookings_of_day(tenant=tenant, day=day)
    export = request.GET.get("format", "")
    name = f"buchungsliste-{tenant.short_name or tenant.pk}-{day.isoformat()}".lower().replace(
        " ", "-"
    )
    if export in tables.FORMATS and not error:
        return tables.table_response(
            format=export,
            filename=name,
            headers=exports.HEADERS,
            rows=exports.rows(found),
            title="Buchungsliste",
        )
    if export == "xml" and not error:
        config = selectors.provider_config_for(tenant)
        return download_response(
            filename=f"{name}.xml",
            content_type="application/xml",
            content=exports.xml(
                found, mandant=config.originator_id if config else str(tenant.public_id), day=day
            ),
        )
    context = {
        "tenant": tenant,
        "day": day,
        "error": error,
        "bookings": found,
        "total_text": fees.euro(selectors.bookings_total(found)),
        "euro": fees.euro,
        **_config_context(tenant),
    }
    return render(request, "payments/bookings.html", context, status=422 if error else 200)


@back_office
def reconcile(request, tenant):
    day, error = _day(request)
    result = selectors.reconciliation(tenant=tenant, day=day)
    context = {
        "tenant": tenant,
        "day": day,
        "error": error,
        **result,
        "total_text": fees.euro(result["total"]),
        **_config_context(tenant),
    }
    return render(request, "payments/reconcile.html", context)


@back_office
@require_http_methods(["GET", "POST"])
def refund(request, tenant, payment_id):
    payment = (
        Payment.objects.filter(tenant=tenant, public_id=payment_id)
        .select_related("application")
        .first()
    )
    if payment is None:
        raise Http404(_("Diese Zahlung gibt es nicht."))
    error = ""
    if request.method == "POST":
        try:
            services.payment_refund(
                payment=payment, actor=request.user, reason=request.POST.get("grund", "")
            )
        except services.PaymentError as refused:
            error = refused.message
        else:
            messages.success(
                request,
                _("Die Zahlung %(k)s wurde erstattet bzw. storniert.")
                % {"k": payment.kassenzeichen},
            )
            return redirect("payments:reconcile")
    context = {
        "payment": payment,
        "amount_text": fees.euro(payment.amount),
        "error": error,
        "reason": request.POST.get("grund", ""),
    }
    return render(request, "payments/refund.html", context, status=422 if error else 200)


@member_admin_page
@require_http_methods(["GET", "POST"])
def fees_edit(request, tenant):
    """The member's fees: one rule per form, with its legal basis; saved through the audited
    `fee_schedule_set` (a rule that cannot be used is refused in German, nothing saved)."""
    choices = [(f.key, f"{f.title} ({f.key})") for f in form_list()]
    schedules = list(FeeSchedule.objects.filter(tenant=tenant).order_by("form_key"))
    chosen = request.GET.get("formular", "")
    existing = next((s for s in schedules if s.form_key == chosen), None)
    initial = (
        {
            "form_key": existing.form_key,
            "legal_basis": existing.legal_basis,
            "pay_when": existing.pay_when,
            "rule": json.dumps(existing.rule, indent=2, ensure_ascii=False),
        }
        if existing
        else {"form_key": chosen, "pay_when": "submission"}
    )
    form = FeeScheduleForm(
        request.POST if request.method == "POST" else None, initial=initial, form_choices=choices
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.fee_schedule_set(
                tenant=tenant,
                actor=request.user,
                form_key=data["form_key"],
                legal_basis=data["legal_basis"],
                rule=data["rule"],
                pay_when=data["pay_when"],
            )
        except services.PaymentError as refused:
            form.add_error("rule" if "rule" in refused.fields else None, refused.message)
        else:
            messages.success(request, _("Die Gebühr wurde gespeichert."))
            return redirect("payments:fees")
    context = {
        "tenant": tenant,
        "form": form,
        "schedules": [{"schedule": s, "sentences": fees.describe(s.rule)} for s in schedules],
    }
    return render_form(request, "payments/fees.html", form, context)
