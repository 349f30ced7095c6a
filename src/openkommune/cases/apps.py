from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "openkommune.cases"
    label = "cases"
    verbose_name = _("Vorgangsbearbeitung")

    def ready(self):
        # submissions must not import cases: it calls what is registered here, inside the
        # submit's transaction, so every submitted application has its case.
        from openkommune.cases.services import case_open_for_submitted
        from openkommune.submissions.constants import EventKind
        from openkommune.submissions.services.hooks import register_submitted

        # A case opens as "received", which the applicant's timeline shows: the submit
        # writes that entry with its own (see `register_submitted`).
        register_submitted(case_open_for_submitted, timeline=(EventKind.RECEIVED,))

        # Registers the e-mails' kinds with the outbox (`core.outbox`) in every process, and
        # the job workers' maintenance schedule (`core.worker`): the case chains are anchored
        # every five minutes (ADR 0012); the retention of closed cases, login data and
        # expired sessions runs daily (`run_retention_daily`, as `run_retention`).
        import datetime

        from openkommune.cases.services import emails  # noqa: F401
        from openkommune.cases.services.audit import anchor_chains
        from openkommune.cases.tasks import run_retention_daily
        from openkommune.core.worker import register_periodic

        register_periodic("cases.anchor_audit_chains", datetime.timedelta(minutes=5), anchor_chains)
        register_periodic(
            "cases.run_retention", datetime.timedelta(days=1), run_retention_daily.call
        )
