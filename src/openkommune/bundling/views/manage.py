"""Staff pages that run a round: create, edit, items and offers, close, evaluate.

Every change goes through a service; closing and removing ask for confirmation first.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from openkommune.accounts.access import login_or_redirect
from openkommune.bundling import selectors, services
from openkommune.bundling.access import require_staff, viewer_of
from openkommune.bundling.forms import ContractImportForm, OfferForm, RoundForm, RoundItemForm
from openkommune.bundling.models import RoundItem, RoundOffer
from openkommune.bundling.views.rounds import round_or_404
from openkommune.core.forms import flash_outcome, render_form, submit_form, submit_form_result


def _staff(request):
    viewer = viewer_of(request)
    require_staff(viewer)
    return viewer


def _staff_round(request, public_id):
    """The round of a staff page: cooperative staff only, else the login or 403; 404 for an
    unknown round."""
    _staff(request)
    return round_or_404(public_id)


def _form_page(request, form, *, title, bundling_round=None, intro="", submit=None):
    context = {"title": title, "round": bundling_round, "intro": intro, "submit": submit or title}
    return render_form(request, "bundling/form.html", form, context)


@login_or_redirect
@require_http_methods(["GET", "POST"])
def round_create(request):
    _staff(request)
    form = RoundForm(request.POST or None)
    bundling_round = submit_form_result(
        request,
        form,
        lambda: services.round_create(actor=request.user, **form.cleaned_data),
        success=_("Die Runde ist eröffnet. Legen Sie jetzt die Positionen an."),
    )
    if bundling_round is not None:
        return redirect("bundling:detail", public_id=bundling_round.public_id)
    return _form_page(request, form, title=_("Neue Bündelungsrunde"), submit=_("Runde eröffnen"))


@login_or_redirect
@require_http_methods(["GET", "POST"])
def round_edit(request, public_id):
    bundling_round = _staff_round(request, public_id)
    initial = {
        name: getattr(bundling_round, name)
        for name in ("title", "description", "deadline", "prefill_from", "prefill_until")
    }
    form = RoundForm(request.POST or None, initial=initial)

    def save():
        services.round_update(
            actor=request.user, bundling_round=bundling_round, **form.cleaned_data
        )

    if submit_form(request, form, save, success=_("Die Angaben zur Runde sind gespeichert.")):
        return redirect("bundling:detail", public_id=bundling_round.public_id)
    return _form_page(
        request,
        form,
        title=_("Runde bearbeiten"),
        bundling_round=bundling_round,
        submit=_("Speichern"),
    )


@login_or_redirect
@require_http_methods(["GET", "POST"])
def item_add(request, public_id):
    bundling_round = _staff_round(request, public_id)
    form = RoundItemForm(request.POST or None)
    item = submit_form_result(
        request,
        form,
        lambda: services.round_item_add(
            actor=request.user, bundling_round=bundling_round, **form.cleaned_data
        ),
        success=_("Die Position ist angelegt. Fügen Sie Angebote hinzu."),
    )
    if item is not None:
        return redirect(
            "bundling:offer_add", public_id=bundling_round.public_id, item_id=item.public_id
        )
    return _form_page(request, form, title=_("Position hinzufügen"), bundling_round=bundling_round)


@login_or_redirect
@require_http_methods(["GET", "POST"])
def items_from_contract(request, public_id):
    bundling_round = _staff_round(request, public_id)
    form = ContractImportForm(request.POST or None)
    created = submit_form_result(
        request,
        form,
        lambda: services.round_items_from_contract(
            actor=request.user,
            bundling_round=bundling_round,
            contract=form.cleaned_data["contract"],
        ),
    )
    if created is not None:
        messages.success(
            request,
            _("%(count)s Positionen aus dem Rahmenvertrag übernommen.") % {"count": len(created)},
        )
        return redirect("bundling:detail", public_id=bundling_round.public_id)
    intro = _(
        "Je Artikelbeschreibung und Einheit entsteht eine Position; jeder Lieferant, der diesen "
        "Artikel im Vertrag anbietet, wird Angebot der Position. Artikel mit angestoßener "
        "Staffel je Einheit werden nicht übernommen."
    )
    return _form_page(
        request, form, title=_("Positionen aus Rahmenvertrag übernehmen"),
        bundling_round=bundling_round, intro=intro, submit=_("Übernehmen"),
    )  # fmt: skip


def _item_or_404(bundling_round, item_id) -> RoundItem:
    try:
        return selectors.round_item_get(bundling_round=bundling_round, public_id=item_id)
    except RoundItem.DoesNotExist:
        raise Http404(_("Diese Position gibt es nicht.")) from None


@login_or_redirect
@require_http_methods(["GET", "POST"])
def offer_add(request, public_id, item_id):
    bundling_round = _staff_round(request, public_id)
    item = _item_or_404(bundling_round, item_id)
    form = OfferForm(request.POST or None)

    def save():
        services.round_offer_add(
            actor=request.user,
            item=item,
            catalog_item=form.cleaned_data["catalog_item"],
            capacity=form.cleaned_data["capacity"],
        )

    if submit_form(request, form, save, success=_("Das Angebot ist hinzugefügt.")):
        return redirect("bundling:detail", public_id=bundling_round.public_id)
    return _form_page(
        request, form, title=_("Angebot für „%(item)s“") % {"item": item.title},
        bundling_round=bundling_round, submit=_("Angebot hinzufügen"),
    )  # fmt: skip


def _confirm_then(request, bundling_round, action, *, success, title, text, button):
    """GET asks first; POST runs the action (a refusal is flashed) and goes back to the round."""
    if request.method == "GET":
        context = {
            "round": bundling_round,
            "title": title,
            "text": text,
            "action_url": request.path,
            "button": button,
        }
        return render(request, "bundling/confirm.html", context)
    flash_outcome(request, action, success=success)
    return redirect("bundling:detail", public_id=bundling_round.public_id)


@login_or_redirect
@require_http_methods(["GET", "POST"])
def item_remove(request, public_id, item_id):
    bundling_round = _staff_round(request, public_id)
    item = _item_or_404(bundling_round, item_id)
    return _confirm_then(
        request,
        bundling_round,
        lambda: services.round_item_remove(actor=request.user, item=item),
        success=_("Die Position ist entfernt."),
        title=_("Position „%(item)s“ entfernen?") % {"item": item.title},
        text=_(
            "Die Angebote der Position und der gemeldete Bedarf aller Mitglieder dafür "
            "werden gelöscht."
        ),
        button=_("Ja, Position entfernen"),
    )


@login_or_redirect
@require_POST
def offer_remove(request, public_id, item_id, catalog_item_id):
    bundling_round = _staff_round(request, public_id)
    item = _item_or_404(bundling_round, item_id)
    offer = (
        item.offers.filter(catalog_item__public_id=catalog_item_id)
        .select_related("catalog_item")
        .first()
    )
    if offer is None:
        raise Http404(_("Dieses Angebot gibt es nicht."))
    try:
        services.round_offer_remove(actor=request.user, offer=offer)
    except (ValidationError, RoundOffer.DoesNotExist) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("Das Angebot ist entfernt."))
    return redirect("bundling:detail", public_id=bundling_round.public_id)


@login_or_redirect
@require_http_methods(["GET", "POST"])
def round_close(request, public_id):
    bundling_round = _staff_round(request, public_id)
    participants = selectors.participants_across_members(bundling_round)
    return _confirm_then(
        request,
        bundling_round,
        lambda: services.round_close(actor=request.user, bundling_round=bundling_round),
        success=_("Die Runde ist geschlossen. Sie können sie jetzt auswerten."),
        title=_("Runde „%(title)s“ schließen?") % {"title": bundling_round.title},
        text=_(
            "Danach können die Mitglieder keinen Bedarf mehr melden oder ändern, auch wenn "
            "die Frist noch läuft. Bisher haben %(count)s Mitglieder Bedarf gemeldet."
        )
        % {"count": len(participants)},
        button=_("Ja, Runde schließen"),
    )


@login_or_redirect
@require_POST
def round_evaluate(request, public_id):
    bundling_round = _staff_round(request, public_id)
    try:
        done = services.round_evaluation_request(actor=request.user, bundling_round=bundling_round)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("bundling:detail", public_id=bundling_round.public_id)
    if not done:
        messages.info(
            request,
            _(
                "Die Runde ist groß; die Auswertung läuft im Hintergrund. Laden Sie die Seite "
                "später neu."
            ),
        )
        return redirect("bundling:detail", public_id=bundling_round.public_id)
    messages.success(request, _("Die Runde ist ausgewertet."))
    return redirect("bundling:result", public_id=bundling_round.public_id)


@login_or_redirect
@require_http_methods(["GET", "POST"])
def round_award(request, public_id):
    bundling_round = _staff_round(request, public_id)
    return _confirm_then(
        request,
        bundling_round,
        lambda: services.round_award(actor=request.user, bundling_round=bundling_round),
        success=_("Die Runde ist vergeben. Jedes Mitglied hat seine Abrufe zum gebündelten Preis."),
        title=_("Runde „%(title)s“ vergeben?") % {"title": bundling_round.title},
        text=_(
            "Aus dem Ergebnis werden verbindliche Abrufe der Mitglieder, einer je Mitglied, "
            "Rahmenvertrag und Lieferant, zu den Preisen der Runde. Sie zählen sofort auf das "
            "Volumen der Verträge. Danach lässt sich die Runde nicht mehr auswerten."
        ),
        button=_("Ja, Runde vergeben"),
    )
