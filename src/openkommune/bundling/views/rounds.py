"""Pages of bundling rounds for members and staff: list, round, demand, result.

Thin: forms in, selectors and services out. Staff's pages that change a round are in
`manage.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from openkommune.accounts.access import login_or_redirect
from openkommune.bundling import selectors, services
from openkommune.bundling.access import viewer_of
from openkommune.bundling.charts import member_costs_chart
from openkommune.bundling.forms import DemandForm
from openkommune.bundling.models import BundlingRound, RoundItem
from openkommune.bundling.selectors import eligible_offers
from openkommune.core.formatting import format_date
from openkommune.core.forms import add_service_errors
from openkommune.core.table_writing import FORMATS, TYPED_FORMATS, table_response


def round_or_404(public_id) -> BundlingRound:
    try:
        return selectors.round_get(public_id=public_id)
    except BundlingRound.DoesNotExist:
        raise Http404(_("Diese Runde gibt es nicht.")) from None


@login_or_redirect
@require_GET
def round_list(request):
    viewer = viewer_of(request)
    rounds = list(selectors.round_list())
    now = timezone.now()
    context = {
        "viewer": viewer,
        "open_rounds": [r for r in rounds if selectors.round_accepts_demand(r, now=now)],
        "other_rounds": [r for r in rounds if not selectors.round_accepts_demand(r, now=now)],
    }
    return render(request, "bundling/round_list.html", context)


@dataclass(frozen=True)
class OfferRow:
    offer: object
    eligible: bool | None  # None for staff (no member perspective)


@login_or_redirect
@require_GET
def round_detail(request, public_id):
    viewer = viewer_of(request)
    bundling_round = round_or_404(public_id)
    items = selectors.round_items(bundling_round)
    rows = []
    for item in items:
        eligible = set(eligible_offers(item, viewer.tenant)) if viewer.is_member else None
        rows.append(
            (
                item,
                [
                    OfferRow(o, None if eligible is None else o in eligible)
                    for o in item.offers.all()
                ],
            )
        )
    context = {
        "viewer": viewer,
        "round": bundling_round,
        "rows": rows,
        "accepts_demand": selectors.round_accepts_demand(bundling_round),
        "participants": (
            selectors.participants_across_members(bundling_round) if viewer.is_staff else None
        ),
    }
    return render(request, "bundling/round_detail.html", context)


@dataclass(frozen=True)
class DemandRow:
    item: RoundItem
    eligible: bool
    current: int | None
    suggestion: int | None
    prefill_text: str

    @property
    def field_name(self) -> str:
        return f"menge-{self.item.public_id}"

    @property
    def initial(self) -> int | None:
        if self.current is not None:
            return self.current
        return self.suggestion

    @property
    def hint(self) -> str:
        if self.suggestion is None:
            return ""
        return _("Vorschlag aus Ihren bestellten Abrufen %(period)s: %(qty)s %(unit)s.") % {
            "period": self.prefill_text,
            "qty": self.suggestion,
            "unit": self.item.unit,
        }


def _demand_rows(bundling_round, tenant) -> list[DemandRow]:
    items = selectors.round_items(bundling_round)
    entries = selectors.demand_for_member(tenant=tenant, bundling_round=bundling_round)
    suggestions = selectors.prefill_quantities(
        tenant=tenant, bundling_round=bundling_round, items=items
    )
    period = ""
    if bundling_round.prefill_from and bundling_round.prefill_until:
        period = _("vom %(start)s bis %(end)s") % {
            "start": format_date(bundling_round.prefill_from),
            "end": format_date(bundling_round.prefill_until),
        }
    return [
        DemandRow(
            item=item,
            eligible=bool(eligible_offers(item, tenant)),
            current=entries[item.pk].quantity if item.pk in entries else None,
            suggestion=suggestions.get(item.pk) if bundling_round.prefill_from else None,
            prefill_text=period,
        )
        for item in items
    ]


@login_or_redirect
@require_http_methods(["GET", "POST"])
def demand(request, public_id):
    viewer = viewer_of(request)
    bundling_round = round_or_404(public_id)
    if not viewer.is_member:
        raise Http404(_("Bedarf melden die Mitglieder."))
    rows = _demand_rows(bundling_round, viewer.tenant)
    accepts = selectors.round_accepts_demand(bundling_round)
    form = DemandForm(request.POST or None, rows=rows)
    if request.method == "POST" and accepts and form.is_valid():
        try:
            services.demand_set(
                tenant=viewer.tenant,
                actor=request.user,
                bundling_round=bundling_round,
                quantities=form.quantities(),
            )
        except ValidationError as error:
            add_service_errors(form, error, prefix="menge-")
        else:
            messages.success(
                request, _("Ihr Bedarf ist gespeichert. Sie können ihn bis zur Frist ändern.")
            )
            return redirect("bundling:demand", public_id=bundling_round.public_id)
    status = 200
    if request.method == "POST":
        status = 422 if accepts else 409
    context = {
        "round": bundling_round,
        "rows": rows,
        "form": form,
        "accepts_demand": accepts,
        "tenant": viewer.tenant,
    }
    return render(request, "bundling/demand.html", context, status=status)


@login_or_redirect
@require_GET
def result(request, public_id):
    viewer = viewer_of(request)
    bundling_round = round_or_404(public_id)
    context = {"viewer": viewer, "round": bundling_round}
    if viewer.is_staff:
        full = selectors.result_for_cooperative(bundling_round)
        context["full"] = full
        if full is not None:
            context["chart"] = member_costs_chart(
                chart_id="ergebnis-diagramm",
                title=_("Kosten je Mitglied: einzeln, nach Shapley und Kostenanteil"),
                description=_(
                    "Je Mitglied drei Balken: Kosten beim Einzelkauf, Anteil nach Shapley und "
                    "Kostenanteil, den das Mitglied trägt. Die Zahlen stehen auch in der Tabelle."
                ),
                labels=[row.tenant.name for row in full.rows],
                series=[
                    (_("einzeln"), [row.alone_cost for row in full.rows]),
                    (_("Anteil nach Shapley"), [row.shapley_cost for row in full.rows]),
                    (_("Kostenanteil"), [row.allocated_cost for row in full.rows]),
                ],
                empty_message=_("Kein Mitglied hat Bedarf gemeldet."),
            )
    if viewer.is_member:
        context["own"] = selectors.result_for_member(
            tenant=viewer.tenant, bundling_round=bundling_round
        )
    if context.get("full") is None and context.get("own") is None:
        context["not_evaluated"] = True
    return render(request, "bundling/result.html", context)


@login_or_redirect
@require_GET
def result_export(request, public_id, fmt):
    """The round's allocation as CSV or XLSX with typed cells: staff get every member's
    rows, a member only its own."""
    if fmt not in FORMATS:
        raise Http404(_("Dieses Format gibt es nicht."))
    viewer = viewer_of(request)
    bundling_round = round_or_404(public_id)
    if viewer.is_staff:
        full = selectors.result_for_cooperative(bundling_round)
        allocations = full.allocations if full is not None else None
    else:
        own = selectors.result_for_member(tenant=viewer.tenant, bundling_round=bundling_round)
        allocations = own.allocations if own is not None else None
    if allocations is None:
        raise Http404(_("Diese Runde ist noch nicht ausgewertet."))
    rows = [
        [
            allocation.tenant.name,
            allocation.round_item.title,
            allocation.catalog_item.supplier.name,
            allocation.catalog_item.article_number,
            allocation.catalog_item.contract.number,
            allocation.quantity,
            allocation.unit_price,
            allocation.cost,
            allocation.alone_cost,
            (allocation.alone_cost - allocation.cost - (allocation.settlement or 0))
            if allocation.alone_cost is not None
            else None,
            allocation.settlement,
        ]
        for allocation in allocations
    ]
    # Savings per line: alone minus what the member carries for it (cost plus its part of the
    # settlement, ADR 0045), so a member's rows add up to its savings on the result page.
    headers = [
        _("Mitglied"), _("Position"), _("Lieferant"), _("Artikelnummer"), _("Rahmenvertrag"),
        _("Menge"), _("Stückpreis (Euro)"), _("Kosten gebündelt (Euro)"),
        _("Kosten einzeln (Euro)"), _("Ersparnis (Euro)"), _("Ausgleich (Euro)"),
    ]  # fmt: skip
    return table_response(
        format=fmt, filename=f"buendelungsrunde-{bundling_round.public_id}", headers=headers,
        rows=rows, title=_("Ergebnis"), number_formats=TYPED_FORMATS,
    )  # fmt: skip
