"""Jobs of the procurement app (django.tasks; `openkommune db_worker`).

The order e-mail goes through the outbox's own job (`core.tasks`); `send_order_mail` remains
so that jobs queued before the one outbox (under this task path) still run: they send the
outbox row that the data migration made of their `OrderMail` row (same public id)."""

from openkommune.core import outbox
from openkommune.core.jobs import job


@job("procurement.order_mail")
def send_order_mail(tenant_id: int, order_mail_public_id: str) -> str:
    """Old task path: e-mail the order PDF of an ordered call-off to the supplier (once)."""
    return outbox.deliver(order_mail_public_id)
