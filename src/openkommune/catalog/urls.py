from django.urls import path, re_path

from openkommune.catalog import views

app_name = "catalog"

OZG_ID = r"(?P<ozg_id>[0-9]{5})"

urlpatterns = [
    path("", views.index, name="index"),
    path("themenfeld/<int:official_id>/", views.themenfeld, name="themenfeld"),
    path("verwaltung/", views.admin_list, name="admin_list"),
    re_path(rf"^verwaltung/{OZG_ID}/$", views.admin_edit, name="admin_edit"),
    re_path(rf"^verwaltung/{OZG_ID}/schalten/$", views.admin_toggle, name="admin_toggle"),
    path("angebote/", views.offers, name="offers"),
    re_path(rf"^{OZG_ID}/$", views.service, name="service"),
    re_path(rf"^{OZG_ID}/online/$", views.online_start, name="online_start"),
    re_path(rf"^{OZG_ID}/behoerde\.vcf$", views.authority_vcard, name="authority_vcard"),
]
