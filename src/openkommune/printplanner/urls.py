from django.urls import path

from openkommune.printplanner import views

app_name = "printplanner"

urlpatterns = [
    path("", views.index, name="index"),
    path("beispielinventar.csv", views.sample_file, name="sample_file"),
    path("<uuid:public_id>/", views.inventory, name="inventory"),
    path("<uuid:public_id>/loeschen/", views.inventory_delete, name="inventory_delete"),
    path("szenario/<uuid:public_id>/", views.scenario, name="scenario"),
    path("szenario/<uuid:public_id>/bericht.pdf", views.report, name="report"),
]
