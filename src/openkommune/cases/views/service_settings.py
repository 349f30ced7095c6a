"""The member administrator's settings per service under `behoerde/leistungen/`: the legal
processing deadline (days after receipt, with its legal basis) and the organisation's own
notice template, for every service it offers online. Thin: `service_settings` decides."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from openkommune.accounts.access import member_admin_page
from openkommune.cases.forms.fields import optional_period_field
from openkommune.cases.services import service_settings
from openkommune.cases.services.notice_texts import (
    BUILTIN_TITLE,
    PLACEHOLDERS,
    builtin_generic_body,
)
from openkommune.cases.services.notices import NOTICE_TEXT_MAX_LENGTH
from openkommune.core.forms import KernFormMixin, submit_form


class ServiceDeadlineForm(KernFormMixin, forms.Form):
    days = optional_period_field(
        label=gettext_lazy("Gesetzliche Bearbeitungsfrist in Tagen"),
        max_value=service_settings.MAX_DEADLINE_DAYS,
        help_text=gettext_lazy(
            "Kalendertage ab Eingang des Antrags. Leer lassen, um keine eigene Frist "
            "festzulegen: dann gilt die Vorgabe der Genossenschaft, falls es eine gibt."
        ),
        messages={
            "invalid": gettext_lazy("Bitte eine ganze Zahl angeben, zum Beispiel 90."),
            "min_value": gettext_lazy("Bitte mindestens %(limit_value)s Tag angeben."),
            "max_value": gettext_lazy("Bitte höchstens %(limit_value)s Tage angeben."),
        },
    )
    legal_basis = forms.CharField(
        label=gettext_lazy("Rechtsgrundlage"),
        required=False,
        max_length=service_settings.LEGAL_BASIS_MAX_LENGTH,
        help_text=gettext_lazy("Zum Beispiel Gesetz und Paragraf, die die Frist bestimmen."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)


class NoticeTemplateForm(KernFormMixin, forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Überschrift"),
        max_length=service_settings.TEMPLATE_TITLE_MAX_LENGTH,
        error_messages={"required": gettext_lazy("Bitte geben Sie eine Überschrift ein.")},
    )
    body = forms.CharField(
        label=gettext_lazy("Text des Bescheids"),
        max_length=NOTICE_TEXT_MAX_LENGTH,
        help_text=gettext_lazy(
            "Absätze durch eine Leerzeile trennen; eine Zeile, die mit „## “ beginnt, ist "
            "eine Zwischenüberschrift. Platzhalter stehen in doppelten geschweiften Klammern."
        ),
        error_messages={"required": gettext_lazy("Bitte geben Sie den Text des Bescheids ein.")},
        widget=forms.Textarea(attrs={"rows": 22}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)


def _offered_or_404(tenant, ozg_id: str):
    leistung = service_settings.offered_leistung(tenant=tenant, ozg_id=ozg_id)
    if leistung is None:
        raise Http404(_("Diese Leistung bietet Ihre Organisation nicht online an."))
    return leistung


def _setting_page(request, tenant, leistung, form, save, *, success, template, **context):
    """The edit page of one setting of an offered Leistung: a valid POST hands the form's
    fields to the service call `save` and goes back to the list."""

    def submit():
        save(tenant=tenant, actor=request.user, ozg_leistung=leistung, **form.cleaned_data)

    if submit_form(request, form, submit, success=success % {"name": leistung.name}):
        return redirect("cases:service_settings")
    context = {"tenant": tenant, "leistung": leistung, "form": form, **context}
    return render(request, template, context)


@require_GET
@member_admin_page
def service_settings_list(request, *, tenant):
    context = {"tenant": tenant, "rows": service_settings.service_settings_rows(tenant=tenant)}
    return render(request, "cases/service_settings.html", context)


@require_http_methods(["GET", "POST"])
@member_admin_page
def service_deadline_edit(request, key: str, *, tenant):
    leistung = _offered_or_404(tenant, key)
    own = service_settings.own_service_deadline(tenant=tenant, ozg_leistung=leistung)
    initial = {"days": own.days, "legal_basis": own.legal_basis} if own else None
    form = ServiceDeadlineForm(request.POST or None, initial=initial)
    return _setting_page(
        request,
        tenant,
        leistung,
        form,
        service_settings.service_deadline_set,
        success=_("Die Bearbeitungsfrist für „%(name)s“ ist gespeichert."),
        template="cases/service_deadline_edit.html",
        own=own,
        default=service_settings.default_service_deadline(ozg_leistung=leistung),
    )


@require_http_methods(["GET", "POST"])
@member_admin_page
def notice_template_edit(request, key: str, *, tenant):
    """GET shows the own template (or, to start from, the cooperative's or the built-in
    text); POST `_action=speichern` saves it, `_action=entfernen` removes the own one."""
    leistung = _offered_or_404(tenant, key)
    own = service_settings.own_notice_template(tenant=tenant, ozg_leistung=leistung)
    default = service_settings.default_notice_template(ozg_leistung=leistung)
    if request.method == "POST" and request.POST.get("_action") == "entfernen":
        removed = service_settings.notice_template_remove(
            tenant=tenant, actor=request.user, ozg_leistung=leistung
        )
        if removed:
            messages.success(
                request,
                _("Die eigene Bescheidvorlage für „%(name)s“ ist entfernt.")
                % {"name": leistung.name},
            )
        return redirect("cases:service_settings")
    start = own or default
    initial = (
        {"title": start.title, "body": start.body}
        if start
        else {"title": BUILTIN_TITLE, "body": builtin_generic_body()}
    )
    form = NoticeTemplateForm(request.POST or None, initial=initial)
    return _setting_page(
        request,
        tenant,
        leistung,
        form,
        service_settings.notice_template_set,
        success=_("Die Bescheidvorlage für „%(name)s“ ist gespeichert."),
        template="cases/notice_template_edit.html",
        own=own,
        default=default,
        placeholders=PLACEHOLDERS,
    )
