from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from openkommune.accounts.forms import AdminLoginForm
from openkommune.accounts.models import User
from openkommune.accounts.services import USER_FIELDS, user_create, user_update

# The admin site (tenancy.admin_site, a lower layer) gets its throttled login form from here.
admin.site.login_form = AdminLoginForm


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin with the e-mail address in place of the username."""

    add_form = UserCreationAdminForm
    form = UserChangeAdminForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "is_demo")
    list_filter = ("is_staff", "is_superuser", "is_active", "is_demo")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Name"), {"fields": ("first_name", "last_name")}),
        (
            _("Berechtigungen"),
            # Superuser status is set with `createsuperuser` only; roles are memberships.
            {"fields": ("is_active", "is_staff", "is_demo")},
        ),
        (_("Daten"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def save_model(self, request, obj, form, change):
        # Through the services, so admin edits are audited like any other change.
        if change:
            current = User.objects.get(pk=obj.pk)
            changed = {
                name: getattr(obj, name) for name in form.changed_data if name in USER_FIELDS
            }
            user_update(actor=request.user, user=current, **changed)
        else:
            password = form.cleaned_data.get("password1") or None
            created = user_create(actor=request.user, email=obj.email, password=password)
            obj.pk = created.pk

    def user_change_password(self, request, id, form_url=""):
        # Passwords change only through the audited reset flow, never typed in by staff.
        messages.info(
            request,
            _("Passwörter ändern Personen selbst über „Passwort vergessen“ auf der Anmeldeseite."),
        )
        return redirect("admin:accounts_user_change", id)

    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
