from django.urls import path

from openkommune.payments.views import back_office, citizen

app_name = "payments"

urlpatterns = [
    path("bezahlung/entwurf/<uuid:public_id>/", citizen.pay, name="pay"),
    path("bezahlung/<uuid:payment_id>/zurueck/", citizen.returned, name="returned"),
    path("bezahlung/benachrichtigung/", citizen.notify, name="notify"),
    path("behoerde/zahlungen/", back_office.bookings, name="bookings"),
    path("behoerde/zahlungen/abgleich/", back_office.reconcile, name="reconcile"),
    path("behoerde/zahlungen/gebuehren/", back_office.fees_edit, name="fees"),
    path("behoerde/zahlungen/<uuid:payment_id>/erstatten/", back_office.refund, name="refund"),
]
