from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class TenancyConfig(AppConfig):
    default = True
    name = "openkommune.tenancy"
    label = "tenancy"


class OpenKommuneAdminConfig(admin_apps.AdminConfig):
    """Django's admin with our site: only cooperative staff and superusers may enter."""

    default = False
    default_site = "openkommune.tenancy.admin_site.OpenKommuneAdminSite"
