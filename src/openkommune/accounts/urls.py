from django.urls import path

from openkommune.accounts.views import account as views
from openkommune.accounts.views import org as views_org

app_name = "accounts"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("anmelden/", views.LoginView.as_view(), name="login"),
    path("abmelden/", views.LogoutView.as_view(), name="logout"),
    path("registrieren/", views.signup, name="signup"),
    path("registrieren/gesendet/", views.signup_done, name="signup_done"),
    path(
        "registrieren/<uidb64>/<token>/",
        views.SignupActivateView.as_view(),
        name="signup_activate",
    ),
    path("organisation-wechseln/", views.switch_organisation, name="switch_organisation"),
    path("passwort-vergessen/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "passwort-vergessen/gesendet/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "passwort-neu/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "passwort-neu/fertig/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

# The member administrator's pages for the people of their organisation (views_org).

urlpatterns += [
    path("organisation/", views_org.org_members, name="org_members"),
    path("organisation/hinzufuegen/", views_org.org_member_add, name="org_member_add"),
    path("organisation/rolle-entziehen/", views_org.org_role_revoke, name="org_role_revoke"),
]
