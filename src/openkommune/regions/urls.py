from django.urls import path

from openkommune.regions import views

app_name = "regions"

urlpatterns = [
    path("meine-gemeinde/", views.my_municipality, name="my_municipality"),
]
