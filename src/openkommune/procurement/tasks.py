"""Jobs of the procurement app (django.tasks; `openkommune db_worker`). Ids only: the queue
is a database table, and the addresses live in the `OrderMail` row. See `order_mail`."""

from openkommune.core.jobs import job
from openkommune.procurement.order_mail import ORDER_MAIL_JOB, order_mail_deliver


@job(ORDER_MAIL_JOB)
def send_order_mail(tenant_id: int, order_mail_public_id: str) -> str:
    """E-mail the order PDF of an ordered call-off to the supplier (once; retried with
    backoff)."""
    return order_mail_deliver(tenant_id=tenant_id, order_mail_public_id=order_mail_public_id)
