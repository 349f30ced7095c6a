"""The member administrator's pages for the people of their organisation: who has which
role, add someone by e-mail, take a role away after a confirmation. Only for the current
organisation (from the session's membership, never from the request), never another one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openkommune.accounts.access import member_admin_page
from openkommune.accounts.services import org as org_services
from openkommune.core.forms import KernFormMixin, submit_form_result
from openkommune.core.widgets import KernRadioSelect
from openkommune.tenancy.constants import Role
from openkommune.tenancy.models import Membership

PAGE_SIZE = 50


class MemberAddForm(KernFormMixin, forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("E-Mail-Adresse"),
        max_length=254,
        help_text=gettext_lazy(
            "Hat die Person noch kein Konto, erhält sie einen Link, mit dem sie es einrichtet."
        ),
        error_messages={
            "required": gettext_lazy("Bitte geben Sie die E-Mail-Adresse der Person ein."),
            "invalid": gettext_lazy(
                "Bitte geben Sie eine E-Mail-Adresse wie name@beispiel.de ein."
            ),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Rolle"),
        choices=[(role.value, role.label) for role in org_services.ASSIGNABLE_ROLES],
        initial=Role.CLERK,
        widget=KernRadioSelect,
        error_messages={
            "required": gettext_lazy("Bitte wählen Sie eine Rolle."),
            "invalid_choice": gettext_lazy("Bitte wählen Sie eine der angebotenen Rollen."),
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        # KernFormMixin gave every widget the text input's class; radios keep their own.
        self.fields["role"].widget.attrs["class"] = "kern-form-check__input"


@require_GET
@member_admin_page
def org_members(request, *, tenant):
    people = org_services.organisation_people(tenant=tenant)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("seite"))
    context = {
        "tenant": tenant,
        "page": page,
        "person_count": len(people),
        "admin_count": sum(1 for p in people if Role.MEMBER_ADMIN in p.roles),
    }
    return render(request, "accounts/org_members.html", context)


@require_http_methods(["GET", "POST"])
@member_admin_page
def org_member_add(request, *, tenant):
    form = MemberAddForm(request.POST or None)
    added = submit_form_result(
        request,
        form,
        lambda: org_services.organisation_member_add(
            tenant=tenant,
            actor=request.user,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            base_url=request.build_absolute_uri("/"),
        ),
    )
    if added is not None:
        # One message whether or not the address had an account: the page must not
        # tell a member administrator who is registered on the platform.
        messages.success(
            request,
            _(
                "%(email)s hat jetzt die Rolle „%(role)s“. Die Person erhält eine E-Mail "
                "mit den nächsten Schritten."
            )
            % {"email": form.cleaned_data["email"], "role": Role(added.membership.role).label},
        )
        return redirect("accounts:org_members")
    return render(request, "accounts/org_member_add.html", {"tenant": tenant, "form": form})


@require_POST
@member_admin_page
def org_role_revoke(request, *, tenant):
    """First POST (from the list) shows the confirmation; the second, with `bestaetigt`,
    takes the role. The person is named by e-mail address: users have no public id."""
    email = request.POST.get("email", "").strip()[:254]
    role = request.POST.get("role", "")
    try:
        role_label = Role(role).label
    except ValueError:
        raise Http404(_("Diese Rolle gibt es nicht.")) from None
    if not org_services.organisation_role_held(tenant=tenant, email=email, role=role):
        raise Http404(_("Diese Person hat diese Rolle in Ihrer Organisation nicht."))
    if request.POST.get("bestaetigt") != "1":
        context = {"tenant": tenant, "email": email, "role": role, "role_label": role_label}
        return render(request, "accounts/org_role_revoke.html", context)
    try:
        org_services.organisation_role_revoke(
            tenant=tenant, actor=request.user, email=email, role=role
        )
    except org_services.LastMemberAdmin as error:
        messages.error(request, " ".join(error.messages))
    except Membership.DoesNotExist:
        raise Http404(_("Diese Person hat diese Rolle in Ihrer Organisation nicht.")) from None
    else:
        messages.success(
            request,
            _("%(email)s hat die Rolle „%(role)s“ nicht mehr.")
            % {"email": email, "role": role_label},
        )
    return redirect("accounts:org_members")
