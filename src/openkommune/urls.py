from django.contrib import admin
from django.urls import include, path

from openkommune import views
from openkommune.api.main import api

urlpatterns = [
    path("", views.home, name="home"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
