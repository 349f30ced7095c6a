"""The member administrator's retention settings under `behoerde/aufbewahrung/`: the period
of every service the member offers (or has cases of), what the next run would remove, the
deletion log; changing a period asks first when it makes cases due at once."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from openkommune.accounts.access import member_admin_page
from openkommune.cases.constants import RetentionAction
from openkommune.cases.forms.fields import optional_period_field
from openkommune.cases.models import Case, DeletionLog
from openkommune.cases.services import retention
from openkommune.catalog.models import OzgLeistung
from openkommune.catalog.selectors import service_activation_list
from openkommune.core.forms import KernFormMixin, submit_form
from openkommune.core.widgets import KernRadioSelect

ALL_SERVICES = "alle"
LOG_LINES = 50


class RetentionRuleForm(KernFormMixin, forms.Form):
    months = optional_period_field(
        label=gettext_lazy("Aufbewahrung in Monaten nach Abschluss"),
        max_value=retention.MAX_RETENTION_MONTHS,
        help_text=gettext_lazy(
            "Leer lassen, um keine eigene Frist festzulegen: dann gilt die nächstallgemeinere "
            "Regel."
        ),
        messages={
            "invalid": gettext_lazy("Bitte eine ganze Zahl angeben, zum Beispiel 24."),
            "min_value": gettext_lazy("Bitte mindestens %(limit_value)s Monat angeben."),
            "max_value": gettext_lazy("Bitte höchstens %(limit_value)s Monate angeben."),
        },
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Danach wird der Vorgang"),
        choices=RetentionAction.choices,
        initial=RetentionAction.ANONYMISED,
        widget=KernRadioSelect,
        error_messages={
            "required": gettext_lazy("Bitte wählen Sie, was danach geschieht."),
            "invalid_choice": gettext_lazy("Bitte wählen Sie, was danach geschieht."),
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        # KernFormMixin gave every widget the text input's class; radios keep their own.
        self.fields["action"].widget.attrs["class"] = "kern-form-check__input"


@dataclass(frozen=True)
class ServiceRow:
    leistung: OzgLeistung
    policy: retention.Policy
    offered: bool
    due: int


def _services(tenant) -> tuple[list[OzgLeistung], set[int]]:
    offered = {a.ozg_leistung_id for a in service_activation_list(tenant=tenant) if a.is_active}
    with_cases = set(
        Case.objects.filter(tenant=tenant).order_by().values_list("ozg_leistung_id", flat=True)
    )
    leistungen = OzgLeistung.objects.filter(pk__in=offered | with_cases).order_by("name")
    return list(leistungen), offered


def _due_by_service(tenant, today, rules) -> dict[str, int]:
    due: dict[str, int] = {}
    for line in retention.tenant_due_lines(tenant=tenant, today=today, rules=rules):
        due[line.ozg_id] = due.get(line.ozg_id, 0) + line.case_count
    return due


@require_GET
@member_admin_page
def retention_settings(request, *, tenant):
    today = timezone.localdate()
    rules = retention.Rules(tenant)
    leistungen, offered = _services(tenant)
    due = _due_by_service(tenant, today, rules)
    rows = [
        ServiceRow(
            leistung, rules.policy(leistung.pk), leistung.pk in offered, due.get(leistung.ozg_id, 0)
        )
        for leistung in leistungen
    ]
    context = {
        "tenant": tenant,
        "rows": rows,
        "fallback": rules.fallback(),
        "own_fallback": rules.own(None),
        "default_months": retention.DEFAULT_RETENTION_MONTHS,
        "logs": DeletionLog.objects.filter(tenant=tenant).order_by("-run_on", "-id")[:LOG_LINES],
    }
    return render(request, "cases/retention.html", context)


def _leistung_or_404(key: str) -> OzgLeistung | None:
    if key == ALL_SERVICES:
        return None
    leistung = OzgLeistung.objects.filter(ozg_id=key).first()
    if leistung is None:
        raise Http404(_("Diese Leistung gibt es nicht."))
    return leistung


@require_http_methods(["GET", "POST"])
@member_admin_page
def retention_edit(request, key: str, *, tenant):
    leistung = _leistung_or_404(key)
    service_id = leistung.pk if leistung else None
    rules = retention.Rules(tenant)
    own = rules.own(service_id)
    initial = {"months": own.months, "action": own.action} if own else None
    form = RetentionRuleForm(request.POST or None, initial=initial)
    context = {"tenant": tenant, "leistung": leistung, "key": key, "form": form, "own": own}
    context["current"] = rules.fallback() if leistung is None else rules.policy(service_id)
    if request.method == "POST" and form.is_valid():
        months = form.cleaned_data["months"]
        action = form.cleaned_data["action"]
        today = timezone.localdate()
        due_now = sum(_due_by_service(tenant, today, rules).values())
        changed = rules.replaced(service_id, months, action)
        due_after = sum(_due_by_service(tenant, today, changed).values())
        if due_after > due_now and request.POST.get("bestaetigt") != "1":
            context |= {"newly_due": due_after - due_now, "months": months, "action": action}
            context["action_label"] = RetentionAction(action).label
            return render(request, "cases/retention_confirm.html", context)
        name = leistung.name if leistung else _("alle übrigen Leistungen")
        saved = submit_form(
            request,
            form,
            lambda: retention.retention_rule_set(
                tenant=tenant,
                actor=request.user,
                ozg_leistung=leistung,
                months=months,
                action=action,
            ),
            success=_("Die Aufbewahrung für „%(name)s“ ist gespeichert.") % {"name": name},
        )
        if saved:
            return redirect("cases:retention_settings")
    return render(request, "cases/retention_edit.html", context)
