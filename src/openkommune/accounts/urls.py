from django.urls import path

from openkommune.accounts.views import account, org

app_name = "accounts"

urlpatterns = [
    path("", account.overview, name="overview"),
    path("anmelden/", account.LoginView.as_view(), name="login"),
    path("angaben/", account.contact_details, name="contact_details"),
    path("abmelden/", account.LogoutView.as_view(), name="logout"),
    path("registrieren/", account.signup, name="signup"),
    path("registrieren/gesendet/", account.signup_done, name="signup_done"),
    path(
        "registrieren/<uidb64>/<token>/",
        account.SignupActivateView.as_view(),
        name="signup_activate",
    ),
    path("organisation-wechseln/", account.switch_organisation, name="switch_organisation"),
    path("passwort-vergessen/", account.PasswordResetView.as_view(), name="password_reset"),
    path(
        "passwort-vergessen/gesendet/",
        account.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "passwort-neu/<uidb64>/<token>/",
        account.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "passwort-neu/fertig/",
        account.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

# The member administrator's pages for the people of their organisation (views_org).

urlpatterns += [
    path("organisation/", org.org_members, name="org_members"),
    path("organisation/hinzufuegen/", org.org_member_add, name="org_member_add"),
    path("organisation/rolle-entziehen/", org.org_role_revoke, name="org_role_revoke"),
]
