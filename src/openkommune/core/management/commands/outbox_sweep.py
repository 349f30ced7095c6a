"""Queue again the e-mails of the outbox that no job will send (`core.outbox.sweep`):

    openkommune outbox_sweep

- `pending` e-mails whose job was lost (the process died between saving the change and
  queueing the job) or is more than five minutes overdue;
- e-mails whose sending job died (`sending` past its claim): sent again while attempts are
  left (the recipient may get it twice), else `failed` and listed for cooperative staff.

The job workers (`openkommune job_worker`) run it every ten minutes. On the database queue
it queues no job: the job workers' outbox drainers send every due `pending` row (ADR 0027);
with another task back end a worker sends what it queued. Running it more often or twice
is harmless.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openkommune.core import outbox


class Command(BaseCommand):
    help = gettext_lazy(
        "Stellt E-Mails des Postausgangs erneut in die Warteschlange, die kein Auftrag mehr sendet."
    )

    def handle(self, *args, **options):
        report = outbox.sweep()
        self.stdout.write(
            _(
                "Postausgang: %(requeued)d E-Mails erneut eingereiht, %(reclaimed)d nach "
                "abgebrochenem Versand erneut eingereiht, %(given_up)d aufgegeben."
            )
            % {
                "requeued": report.requeued,
                "reclaimed": report.reclaimed,
                "given_up": report.given_up,
            }
        )
