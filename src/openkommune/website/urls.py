from django.urls import path

from openkommune.website import feeds, views

app_name = "website"

urlpatterns = [
    path("aktuelles/", views.news_index, name="news_index"),
    path("aktuelles/feed.atom", feeds.NewsFeed(), name="news_feed"),
    path("aktuelles/stichwort/<slug:slug>/", views.news_tag, name="news_tag"),
    path("aktuelles/verwaltung/", views.news_manage, name="news_manage"),
    path("aktuelles/verwaltung/neu/", views.news_create, name="news_create"),
    path("aktuelles/verwaltung/<uuid:public_id>/", views.news_edit, name="news_edit"),
    path(
        "aktuelles/verwaltung/<uuid:public_id>/veroeffentlichen/",
        views.news_publish,
        name="news_publish",
    ),
    path(
        "aktuelles/verwaltung/<uuid:public_id>/zurueckziehen/",
        views.news_withdraw,
        name="news_withdraw",
    ),
    path("aktuelles/<slug:slug>/", views.news_detail, name="news_detail"),
    path("aktuelles/<slug:slug>/druck/", views.news_print, name="news_print"),
    path("aktuelles/<slug:slug>.pdf", views.news_pdf, name="news_pdf"),
    path("kontakt/", views.contact, name="contact"),
    path("kontakt/gesendet/", views.contact_sent, name="contact_sent"),
    path("kontakt/geschaeftsstelle.vcf", views.office_vcard, name="office_vcard"),
]
