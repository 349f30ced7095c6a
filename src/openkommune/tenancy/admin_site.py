"""The Django admin is the cooperative staff's tool: only they (and superusers) may enter."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class OpenKommuneAdminSite(admin.AdminSite):
    site_header = _("OpenKommune – Verwaltung der Genossenschaft")
    site_title = _("OpenKommune-Verwaltung")
    index_title = _("Stammdaten")

    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        # Imported here: the site class is loaded with the app registry, before models.
        from openkommune.tenancy.selectors import acts_for_cooperative

        return acts_for_cooperative(user)
