import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "openkommune.payments"
    label = "payments"
    verbose_name = _("Gebühren und Zahlungen")

    def ready(self):
        # The pay step is a stage of its own: submissions calls what is registered here
        # (check page, submit gate, receipt, start page) and never imports this app.
        from openkommune.core.worker import register_periodic
        from openkommune.payments import services
        from openkommune.payments.views import citizen
        from openkommune.submissions.services import hooks

        hooks.register_check_panel(citizen.check_panel)
        hooks.register_submit_gate(citizen.submit_gate)
        hooks.register_receipt_panel(citizen.receipt_panel)
        hooks.register_receipt_sections(citizen.receipt_sections)
        hooks.register_start_panel(citizen.start_panel)
        hooks.register_application_payment(citizen.application_payment)
        hooks.register_api_submitted(citizen.api_submitted)
        hooks.register_status_panel(citizen.status_panel)
        # A notification may never come: the job workers ask about open payments.
        register_periodic("payments.poll", datetime.timedelta(minutes=2), services.payments_poll)
