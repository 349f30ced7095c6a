from django.urls import path

from openkommune.formstats import views

app_name = "formstats"

urlpatterns = [
    path("genossenschaft/formular-statistik/", views.staff_overview, name="staff"),
    path("genossenschaft/formular-statistik/<slug:key>/", views.staff_form, name="staff_form"),
    path("behoerde/formular-statistik/", views.member_overview, name="member"),
    path("behoerde/formular-statistik/<slug:key>/", views.member_form, name="member_form"),
]
