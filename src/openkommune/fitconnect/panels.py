"""What the platform's own pages show of a delivery to a Fachverfahren (registered in
apps.py): the citizen's status page (zugestellt, angenommen, abgelehnt with the reason —
like parcel tracking), the receipt, and the back office's case page with the event log.
Deliveries through an external Zustelldienst (outbound.py) show the same, plus "wird
zugestellt" while the job is still trying and, for staff, a failed delivery."""

from __future__ import annotations

from django.template.loader import render_to_string

from openkommune.fitconnect.selectors import delivery_for_application, outbound_for_application


def status_panel(request, application, token_query: str) -> str:
    delivery = delivery_for_application(application)
    if delivery is None:
        delivery = outbound_for_application(application)
    if delivery is None or delivery.inbound:
        return ""
    return render_to_string("fitconnect/status_panel.html", {"delivery": delivery})


def receipt_panel(application) -> str:
    delivery = delivery_for_application(application) or outbound_for_application(application)
    if delivery is None or delivery.inbound:
        return ""
    return render_to_string(
        "fitconnect/receipt_panel.html", {"delivery": delivery, "application": application}
    )


def case_panel(case) -> str:
    delivery = delivery_for_application(case.application)
    if delivery is not None:
        return render_to_string("fitconnect/case_panel.html", {"delivery": delivery, "case": case})
    outbound = outbound_for_application(case.application)
    if outbound is None:
        return ""
    return render_to_string(
        "fitconnect/outbound_case_panel.html", {"delivery": outbound, "case": case}
    )
