from django.urls import path, re_path

from openkommune.payments.views import back_office, citizen

app_name = "payments"

# As the applicant's pages under `antrag/` (checked by the selectors; anything else is 404).
REFERENCE = r"(?P<reference>[0-9]{4}-[0-9A-Za-z]{2}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4})"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

urlpatterns = [
    path("bezahlung/entwurf/<uuid:public_id>/", citizen.pay, name="pay"),
    path("bezahlung/<uuid:payment_id>/zurueck/", citizen.returned, name="returned"),
    path("bezahlung/benachrichtigung/", citizen.notify, name="notify"),
    re_path(
        rf"^bezahlung/antrag/{REFERENCE}/gebuehr/(?P<notice_id>{UUID})/$",
        citizen.notice_pay,
        name="notice_pay",
    ),
    path(
        "behoerde/zahlungen/antrag/<uuid:application_id>/gebuehrenbescheid/",
        back_office.fee_notice_new,
        name="fee_notice_new",
    ),
    path(
        "behoerde/zahlungen/gebuehrenbescheid/<uuid:notice_id>/aufheben/",
        back_office.fee_notice_cancel,
        name="fee_notice_cancel",
    ),
    path("behoerde/zahlungen/bezahldienst/", back_office.connection, name="connection"),
    path("behoerde/zahlungen/", back_office.bookings, name="bookings"),
    path("behoerde/zahlungen/abgleich/", back_office.reconcile, name="reconcile"),
    path("behoerde/zahlungen/gebuehren/", back_office.fees_edit, name="fees"),
    path("behoerde/zahlungen/<uuid:payment_id>/erstatten/", back_office.refund, name="refund"),
]
