"""The member's payment pages: the day's bookings (with the exports for the Kasse), the
reconciliation, and the clerk's refund or cancellation through the Bezahldienst."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

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
from openkommune.payments.constants import SIMULATOR_LABEL, FeeNoticeStatus
from openkommune.payments.forms import (
    FeeNoticeForm,
    FeeScheduleForm,
    ProviderConfigForm,
    ReasonForm,
)
from openkommune.payments.models import FeeNotice, FeeSchedule, Payment, ProviderConfig
from openkommune.submissions.models import Application


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
    certificate = (
        providers.certificate_info(config.client_certificate) if config.client_certificate else None
    )
    return {
        "config": config,
        "dialect": providers.DIALECTS[config.provider],
        "certificate": certificate,
        "certificate_expiring": bool(certificate and certificate.expires_within(30)),
        "certificate_expired": bool(certificate and certificate.expires_within(0)),
        "secret_set": providers.secret_is_set(config),
        "key_set": providers.client_key_is_set(config),
        "client_secret_set": providers.client_secret_is_set(config),
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
            "decision_requires_payment": existing.decision_requires_payment,
            "rule": json.dumps(existing.rule, indent=2, ensure_ascii=False),
        }
        if existing
        else {"form_key": chosen, "pay_when": "submission", "decision_requires_payment": True}
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
                decision_requires_payment=data["decision_requires_payment"],
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


# --- fee notices (Gebührenbescheide) -----------------------------------------------------------


def _application_or_404(tenant, application_id) -> Application:
    application = (
        Application.objects.filter(tenant=tenant, public_id=application_id)
        .select_related("form_version__form", "tenant")
        .first()
    )
    if application is None:
        raise Http404(_("Diesen Antrag gibt es nicht."))
    return application


@back_office
@require_http_methods(["GET", "POST"])
def fee_notice_new(request, tenant, application_id):
    """Issue the Gebührenbescheid of an application (from its case): amount, due date and
    Kassenzeichen; the applicant sees it with a pay link on the status page."""
    application = _application_or_404(tenant, application_id)
    schedule = selectors.fee_schedule_for(
        tenant_id=tenant.pk, form_key=application.form_version.form.key
    )
    computation = fees.compute(schedule.rule, application.data) if schedule else None
    suggested = computation.total if computation and not computation.is_free else None
    initial = {
        "due_on": local_date() + datetime.timedelta(days=services.DEFAULT_DUE_DAYS),
        "amount": f"{suggested:.2f}".replace(".", ",") if suggested is not None else "",
    }
    form = FeeNoticeForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = services.fee_notice_issue(
                tenant=tenant,
                actor=request.user,
                application=application,
                amount=data["amount"] or None,
                due_on=data["due_on"],
                kassenzeichen=data["kassenzeichen"],
                legal_basis=data["legal_basis"],
                base_url=request.build_absolute_uri("/"),
            )
        except services.PaymentError as refused:
            for name, texts in (refused.fields or {}).items():
                for text in texts:
                    form.add_error(name if name in form.fields else None, text)
            if not refused.fields:
                form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                _("Der Gebührenbescheid mit dem Kassenzeichen %(k)s ist erlassen.")
                % {"k": notice.kassenzeichen},
            )
            return redirect("payments:fee_notice_new", application_id=application.public_id)
    context = {
        "tenant": tenant,
        "application": application,
        "schedule": schedule,
        "notices": selectors.fee_notices_for_application(application),
        "euro": fees.euro,
        **(
            {
                "lines": [
                    {**line, "amount_text": fees.euro(Decimal(line["amount"]))}
                    for line in computation.as_json()["lines"]
                ],
                "total_text": fees.euro(computation.total),
                "free_reason": computation.as_json().get("free_reason", ""),
            }
            if computation
            else {}
        ),
    }
    return render_form(request, "payments/fee_notice_new.html", form, context)


@back_office
@require_http_methods(["GET", "POST"])
def fee_notice_cancel(request, tenant, notice_id):
    """Cancel (aufheben) an open fee notice with a reason, after a confirmation page."""
    notice = (
        FeeNotice.objects.filter(tenant=tenant, public_id=notice_id)
        .select_related("application")
        .first()
    )
    if notice is None:
        raise Http404(_("Diesen Gebührenbescheid gibt es nicht."))
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.fee_notice_cancel(
                notice=notice, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except services.PaymentError as refused:
            form.add_error("reason" if "reason" in refused.fields else None, refused.message)
        else:
            messages.success(
                request,
                _("Der Gebührenbescheid %(k)s ist aufgehoben.") % {"k": notice.kassenzeichen},
            )
            return redirect("payments:fee_notice_new", application_id=notice.application.public_id)
    context = {
        "notice": notice,
        "amount_text": fees.euro(notice.amount),
        "open": notice.status == FeeNoticeStatus.OPEN,
    }
    return render_form(request, "payments/fee_notice_cancel.html", form, context)


# --- the member's connection to its Bezahldienst -----------------------------------------------


def _missing_credentials(config, data, client_key: str, client_secret: str) -> dict:
    """What the chosen Bezahldienst needs to authenticate and was neither entered nor stored."""
    missing = {}
    if data["provider"] == "epaybl":
        if not data["client_certificate"].strip():
            missing["client_certificate"] = _("Bitte geben Sie das Client-Zertifikat ein.")
        if not client_key and not (config and providers.client_key_is_set(config)):
            missing["client_key"] = _("Bitte geben Sie den privaten Schlüssel ein.")
        if not data["base_url"].startswith("https://"):
            missing["base_url"] = _("Mit Client-Zertifikat muss die Adresse mit https:// beginnen.")
    else:
        if not data["token_url"]:
            missing["token_url"] = _("Bitte geben Sie die Token-Adresse ein.")
        if not data["client_id"]:
            missing["client_id"] = _("Bitte geben Sie die Client-ID ein.")
        if not client_secret and not (config and providers.client_secret_is_set(config)):
            missing["client_secret"] = _("Bitte geben Sie das Client-Secret ein.")
    return missing


@member_admin_page
@require_http_methods(["GET", "POST"])
def connection(request, tenant):
    """The member administrator's page of the Bezahldienst connection: provider, ids,
    booking data, the credentials (client certificate and key, or OAuth2 client) and the
    notification secret (key and secrets write-only: stored encrypted, never shown again),
    and a test of the connection. Both audited."""
    config = ProviderConfig.objects.filter(tenant=tenant).first()
    if request.method == "POST" and request.POST.get("aktion") == "testen":
        try:
            ok, text = services.provider_config_test(tenant=tenant, actor=request.user)
        except services.PaymentError as refused:
            messages.error(request, refused.message)
        else:
            (messages.success if ok else messages.error)(request, text)
        return redirect("payments:connection")
    initial = (
        {
            name: getattr(config, name)
            for name in (
                "provider",
                "base_url",
                "originator_id",
                "endpoint_id",
                "client_certificate",
                "ca_bundle",
                "token_url",
                "client_id",
                "haushaltsstelle",
                "objektnummer",
                "kassenzeichen_prefix",
            )
        }
        if config
        else {"provider": "epaybl"}
    )
    form = ProviderConfigForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        secret = data.pop("secret")
        client_key, client_secret = data.pop("client_key"), data.pop("client_secret")
        missing = _missing_credentials(config, data, client_key, client_secret)
        for name, text in missing.items():
            form.add_error(name, text)
        if not missing:
            if secret:
                # An entered secret replaces a named environment variable.
                data["secret_reference"] = ""
            try:
                services.provider_config_set(
                    tenant=tenant,
                    actor=request.user,
                    secret=secret,
                    client_key=client_key,
                    client_secret=client_secret,
                    **data,
                )
            except services.PaymentError as refused:
                for name, texts in (refused.fields or {}).items():
                    for text in texts:
                        form.add_error(name if name in form.fields else None, text)
                if not refused.fields:
                    form.add_error(None, refused.message)
            else:
                messages.success(request, _("Die Anbindung an den Bezahldienst ist gespeichert."))
                return redirect("payments:connection")
    context = {"tenant": tenant, **_config_context(tenant)}
    return render_form(request, "payments/connection.html", form, context)
