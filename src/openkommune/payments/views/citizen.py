"""Pages of the pay step (between the check page and the submit), the Bezahldienst's return
and notification endpoints, and the hooks the submissions app calls (check page, submit
gate, receipt). Thin: state changes are `services`, reads `selectors`."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openkommune.accounts.access import applicant_page
from openkommune.accounts.access import private as _private
from openkommune.forms.engine import AnswerRow, AnswerSection
from openkommune.payments import fees, selectors, services
from openkommune.payments.constants import (
    UNSUCCESSFUL,
    FeeNoticeStatus,
    PaymentStatus,
    PayWhen,
)
from openkommune.payments.models import Payment
from openkommune.submissions import services as submission_services
from openkommune.submissions.models import Application, Draft
from openkommune.submissions.selectors import journey
from openkommune.submissions.services.receipts import berlin_time_text

SESSION_FREE = "openkommune.payments.free"


def private(response):
    """Not indexed, never cached; the referrer stays on this site only: a form posted from a
    page with `no-referrer` would carry `Origin: null`, which the CSRF check refuses."""
    return _private(response, referrer_policy="same-origin")


def _computation_context(computation: dict) -> dict:
    from decimal import Decimal

    return {
        "lines": [
            {**line, "amount_text": fees.euro(Decimal(line["amount"]))}
            for line in computation["lines"]
        ],
        "total_text": fees.euro(Decimal(computation["total"])),
        "free_reason": computation.get("free_reason", ""),
        "notes": computation.get("notes", []),
    }


# --- hooks of the submissions app ------------------------------------------------------------


def _remember_free(request, draft: Draft, data) -> None:
    """This session saw the check page of the draft with these answers owe nothing now, so
    the submit needs no look-up (keyed by the answers' fingerprint: changed answers ask
    again)."""
    free = dict(request.session.get(SESSION_FREE, {}))
    free[str(draft.public_id)] = services.data_fingerprint(draft.data)
    while len(free) > 20:
        free.pop(next(iter(free)))
    request.session[SESSION_FREE] = free


def _pays_now(schedule, tenant_id: int) -> bool:
    """Paid at submission: so the member decided, and it is connected to a Bezahldienst
    (without one the fee is due with the notice, and the applicant is not held up)."""
    return (
        schedule.pay_when == PayWhen.SUBMISSION
        and selectors.provider_config_for_tenant_id(tenant_id) is not None
    )


def check_panel(request, draft: Draft, data) -> str:
    due = services.draft_fee(draft, data)
    if due is None:
        _remember_free(request, draft, data)
        return ""
    schedule, computation = due
    pay_now = not computation.is_free and _pays_now(schedule, draft.tenant_id)
    if not pay_now:
        _remember_free(request, draft, data)
    context = {
        "schedule": schedule,
        "pay_now": pay_now,
        **_computation_context(computation.as_json()),
    }
    return render_to_string("payments/check_panel.html", context, request=request)


def submit_gate(request, draft: Draft, answers: dict | None = None) -> str | None:
    """The pay page when the answers (the draft's, with the check page's declarations
    `answers` over them) are complete and owe a fee paid at submission."""
    remembered = request.session.get(SESSION_FREE, {}).get(str(draft.public_id))
    if remembered and remembered == services.data_fingerprint(draft.data):
        return None
    validation = services._cleaned(draft, answers)
    if validation.errors:
        return None  # the submit shows the errors
    due = services.draft_fee(draft, validation.data)
    if due is None or due[1].is_free or not _pays_now(due[0], draft.tenant_id):
        return None
    return reverse("payments:pay", args=[draft.public_id])


def receipt_panel(application) -> str:
    payment = selectors.payment_for_application(application)
    if payment is None:
        schedule = selectors.fee_schedule_for(
            tenant_id=application.tenant_id, form_key=application.form_version.form.key
        )
        if schedule is None or fees.compute(schedule.rule, application.data).is_free:
            return ""
        return render_to_string(
            "payments/receipt_panel.html", {"later": True, "schedule": schedule}
        )
    return render_to_string(
        "payments/receipt_panel.html",
        {
            "payment": payment,
            "paid_at_text": berlin_time_text(payment.paid_at) if payment.paid_at else "",
        },
    )


def receipt_sections(application) -> list:
    payment = selectors.payment_for_application(application)
    if payment is None or payment.status not in {PaymentStatus.PAID, PaymentStatus.REFUNDED}:
        return []
    rows = [
        AnswerRow(_("Gebühr"), fees.euro(payment.amount), "zahlung.betrag"),
        AnswerRow(_("Rechtsgrundlage"), payment.legal_basis, "zahlung.rechtsgrundlage"),
        AnswerRow(_("Kassenzeichen"), payment.kassenzeichen, "zahlung.kassenzeichen"),
        AnswerRow(_("Zahlart"), payment.method_detail or payment.method, "zahlung.zahlart"),
        AnswerRow(_("Transaktionsnummer"), payment.transaction_id, "zahlung.transaktion"),
        AnswerRow(
            _("Bezahlt am"),
            berlin_time_text(payment.paid_at) if payment.paid_at else "",
            "zahlung.zeit",
        ),
    ]
    return [AnswerSection(step_id="zahlung", title=_("Zahlung"), rows=rows)]


def _pay_url(notice, base_url: str | None) -> str:
    """The applicant's pay page of an open fee notice; with the secret status token for an
    anonymous applicant (the same credential as the status link)."""
    application = notice.application
    path = reverse("payments:notice_pay", args=[application.reference, notice.public_id])
    token = submission_services.application_status_token(application)
    base = (base_url or settings.SITE_URL or "").rstrip("/")
    return f"{base}{path}" + (f"?{urlencode({'token': token})}" if token else "")


def application_payment(application, *, base_url: str | None = None) -> dict | None:
    """The API's payment status of an application (`PaymentStatusOut`)."""
    payment = selectors.payment_for_application(application)
    notice = selectors.fee_notice_for_application(application)
    if payment is not None and (payment.status == PaymentStatus.PAID or notice is None):
        return {
            "status": payment.status,
            "status_label": str(payment.get_status_display()),
            "amount": f"{payment.amount:.2f}",
            "currency": payment.currency,
            "kassenzeichen": payment.kassenzeichen,
            "method": payment.method,
            "transaction_id": payment.transaction_id,
            "paid_at": payment.paid_at,
            "legal_basis": payment.legal_basis,
            "due_on": notice.due_on if notice else None,
        }
    if notice is not None:
        return {
            "status": "paid" if notice.status == FeeNoticeStatus.PAID else "open",
            "status_label": str(notice.get_status_display()),
            "amount": f"{notice.amount:.2f}",
            "currency": notice.currency,
            "kassenzeichen": notice.kassenzeichen,
            "paid_at": notice.paid_at,
            "legal_basis": notice.legal_basis,
            "due_on": notice.due_on,
            "pay_url": _pay_url(notice, base_url) if notice.status == FeeNoticeStatus.OPEN else "",
        }
    schedule = selectors.fee_schedule_for(
        tenant_id=application.tenant_id, form_key=application.form_version.form.key
    )
    if schedule is None:
        return None
    computation = fees.compute(schedule.rule, application.data)
    if computation.is_free:
        return None
    return {
        "status": "due_with_notice",
        "status_label": _("mit dem Gebührenbescheid zu zahlen"),
        "amount": f"{computation.total:.2f}",
        "legal_basis": schedule.legal_basis,
    }


def api_submitted(application, base_url: str) -> dict | None:
    """After an API submit: claim the fee due at the submit (a pay link instead of the pay
    step the API cannot show), and answer the payment status. A service without a fee costs
    no look-up (the fee schedule comes from the read cache)."""
    schedule = selectors.fee_schedule_for_cached(
        tenant_id=application.tenant_id, form_key=application.form_version.form.key
    )
    if schedule is None:
        return None
    services.fee_claim_for_api_submission(application, schedule=schedule)
    return application_payment(application, base_url=base_url)


def status_panel(request, application, token_query: str) -> str:
    """The applicant's status page: the fee notice with its pay link (or that it is paid)."""
    notice = selectors.fee_notice_for_application(application)
    if notice is None:
        return ""
    context = {
        "notice": notice,
        "amount_text": fees.euro(notice.amount),
        "pay_url": reverse("payments:notice_pay", args=[application.reference, notice.public_id])
        + token_query,
    }
    return render_to_string("payments/status_panel.html", context, request=request)


def start_panel(responsibility, version) -> str:
    described = selectors.fee_description(
        tenant_id=responsibility.organisation.pk, form_key=version.form.key
    )
    if described is None:
        return ""
    return render_to_string("payments/start_panel.html", described)


# --- the pay step ----------------------------------------------------------------------------


def _draft(request, public_id) -> Draft:
    try:
        return journey.draft_for_request(request, public_id)
    except (Draft.DoesNotExist, submission_services.DraftExpired):
        raise Http404(_("Diesen Antrag gibt es nicht.")) from None


def _to_receipt(request, application):
    journey.grant_application(request, application)
    response = HttpResponseRedirect(reverse("submissions:receipt", args=[application.reference]))
    response.status_code = 303
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def pay(request, public_id):
    """The fee, its computation and "pay now". The draft is submitted once the Bezahldienst
    reports the payment; until then it waits, unchanged."""
    draft = _draft(request, public_id)
    if draft.is_submitted:
        return private(_to_receipt(request, draft.submitted_application))
    validation = services._cleaned(draft)
    if validation.errors:
        return private(redirect("submissions:check", public_id=draft.public_id))
    due = services.draft_fee(draft, validation.data)
    if due is None or due[1].is_free or not _pays_now(due[0], draft.tenant_id):
        return private(redirect("submissions:check", public_id=draft.public_id))
    schedule, computation = due
    earlier = selectors.payments_for_draft(draft)
    paid = next((p for p in earlier if p.status == PaymentStatus.PAID), None)
    if paid is not None:
        # Paid, but the submission has not happened yet (the notification is being handled).
        paid = services.payment_refresh(paid)
        if paid.application_id:
            return private(_to_receipt(request, paid.application))
    error = ""
    if request.method == "POST" and paid is None:
        try:
            payment = services.payment_start(draft=draft, base_url=request.build_absolute_uri("/"))
        except services.PaymentError as refused:
            error = refused.message
        else:
            return _to_pay_page(request, payment, draft.tenant_id)
    last = earlier[0] if earlier else None
    context = {
        "draft": draft,
        "schedule": schedule,
        "error": error,
        "paid": paid,
        "last": last,
        "last_unsuccessful": last is not None and last.status in UNSUCCESSFUL,
        **_computation_context(computation.as_json()),
    }
    response = render(request, "payments/pay.html", context, status=503 if error else 200)
    return private(_allow_form_to_provider(response, draft.tenant_id))


def _origin(url: str) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme in {"http", "https"} and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def _provider_origin(tenant_id: int) -> str | None:
    config = selectors.provider_config_for_tenant_id(tenant_id)
    return None if config is None else _origin(config.base_url)


def _allow_form_to_provider(response, tenant_id: int):
    """The pay form's POST is answered with a redirect to the Bezahldienst's pay page, and a
    browser applies `form-action` to that redirect too: allow the origin of the member's
    Bezahldienst (its configured address) on this page only."""
    origin = _provider_origin(tenant_id)
    if origin is not None:
        policy = dict(settings.SECURE_CSP)
        policy["form-action"] = [*policy.get("form-action", []), origin]
        response._csp_config = policy
    return response


def _to_pay_page(request, payment, tenant_id: int):
    """To the Bezahldienst's pay page: a redirect when it is served from the configured
    address's origin (the pay form may post there); otherwise — an ePayBL connector may serve
    its pay page from another host — a page that leads there at once with a link, which is no
    form submission (`form-action` does not apply)."""
    if _origin(payment.payment_url) == _provider_origin(tenant_id):
        return HttpResponseRedirect(payment.payment_url)
    context = {"payment": payment, "amount_text": fees.euro(payment.amount)}
    return private(render(request, "payments/to_provider.html", context))


@never_cache
@require_GET
def returned(request, payment_id):
    """Back from the Bezahldienst: ask it (the browser's word counts for nothing), then the
    receipt, or the pay page again."""
    payment = (
        Payment.applicant_objects.filter(public_id=payment_id).select_related("tenant").first()
    )
    if payment is None:
        raise Http404(_("Diese Zahlung gibt es nicht."))
    if payment.fee_notice_id:
        return private(_notice_returned(request, payment))
    if payment.draft_id is None:
        # The draft expired meanwhile: say what happens to the money, nothing else.
        return private(render(request, "payments/draft_gone.html", {"payment": payment}))
    draft = _draft(request, payment.draft_public_id)
    try:
        payment = services.payment_refresh(payment)
    except services.PaymentError as error:
        messages.warning(request, error.message)
        return private(redirect("payments:pay", public_id=draft.public_id))
    if payment.application_id:
        return private(_to_receipt(request, payment.application))
    if payment.status == PaymentStatus.PAID and payment.needs_refund:
        return private(render(request, "payments/draft_gone.html", {"payment": payment}))
    if payment.status in UNSUCCESSFUL:
        messages.warning(
            request,
            {
                PaymentStatus.DECLINED: _(
                    "Die Zahlung wurde abgelehnt. Es wurde nichts abgebucht. Sie können es "
                    "noch einmal versuchen, auch mit einer anderen Zahlart."
                ),
                PaymentStatus.CANCELLED: _(
                    "Sie haben die Zahlung abgebrochen. Ihr Antrag ist gespeichert, aber noch "
                    "nicht abgesendet."
                ),
                PaymentStatus.TIMED_OUT: _(
                    "Die Zeit für die Zahlung ist abgelaufen. Ihr Antrag ist gespeichert; "
                    "bitte versuchen Sie es noch einmal."
                ),
            }.get(payment.status, _("Die Zahlung ist nicht zustande gekommen.")),
        )
    else:
        messages.info(
            request,
            _(
                "Ihre Zahlung wird noch geprüft. Bitte laden Sie die Seite in einer Minute "
                "neu; zahlen Sie nicht noch einmal."
            ),
        )
    return private(redirect("payments:pay", public_id=draft.public_id))


def _notice_returned(request, payment: Payment):
    """Back from paying a fee notice: ask the Bezahldienst, then say how it went. The link
    to the status page only for whoever may see it (logged in, or the session)."""
    problem = ""
    try:
        payment = services.payment_refresh(payment)
    except services.PaymentError as error:
        problem = error.message
    application = payment.application
    try:
        journey.application_for_request(request, application.reference)
        status_url = reverse("submissions:status", args=[application.reference])
    except Application.DoesNotExist:
        status_url = ""
    context = {
        "payment": payment,
        "problem": problem,
        "status_url": status_url,
        "amount_text": fees.euro(payment.amount),
        "paid": payment.status == PaymentStatus.PAID and not payment.needs_refund,
        "unsuccessful": payment.status in UNSUCCESSFUL,
    }
    return render(request, "payments/notice_returned.html", context)


@csrf_exempt
@require_POST
def notify(request):
    """The Bezahldienst's notification (server to server, signed; no session, no CSRF)."""
    outcome = services.notification_receive(
        body=request.body, signature=request.headers.get("X-Signature", "")
    )
    status = {"applied": 200, "duplicate": 200, "conflict": 409}.get(outcome, 400)
    response = HttpResponse(outcome, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


# --- paying a fee notice ----------------------------------------------------------------------


@applicant_page(journey.application_for_request, referrer_policy="same-origin")
@require_http_methods(["GET", "POST"])
def notice_pay(request, application, token: str, notice_id):
    """The fee notice of a submitted application and "pay now": the amount and Kassenzeichen
    are the notice's; the browser only chooses to pay."""
    notice = selectors.fee_notice_for_application(application, public_id=notice_id)
    if notice is None:
        raise Http404(_("Diesen Gebührenbescheid gibt es nicht."))
    error = ""
    if request.method == "POST" and notice.status == FeeNoticeStatus.OPEN:
        try:
            payment = services.fee_notice_payment_start(
                notice=notice, base_url=request.build_absolute_uri("/")
            )
        except services.PaymentError as refused:
            error = refused.message
        else:
            return _to_pay_page(request, payment, notice.tenant_id)
    last = selectors.payments_for_notice(notice)[:1]
    context = {
        "application": application,
        "notice": notice,
        "amount_text": fees.euro(notice.amount),
        "error": error,
        "last": last[0] if last else None,
        "last_unsuccessful": bool(last) and last[0].status in UNSUCCESSFUL,
        "token_query": f"?{urlencode({'token': token})}" if token else "",
        **(_computation_context(notice.computation) if notice.computation else {}),
    }
    response = render(request, "payments/notice_pay.html", context, status=503 if error else 200)
    return _allow_form_to_provider(response, notice.tenant_id)
