from django.urls import path

from openkommune.members import views

app_name = "members"

urlpatterns = [
    path("", views.register, name="register"),
    path("import/", views.register_import, name="import"),
    path("export.csv", views.register_export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", views.register_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("beitritt/", views.member_join_page, name="join"),
    path("<uuid:public_id>/", views.member_detail, name="detail"),
    path("<uuid:public_id>/austritt/", views.member_leave_page, name="leave"),
    path("<uuid:public_id>/stellen/", views.member_bodies, name="bodies"),
]
