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
        from openkommune.submissions.services.hooks import register_submitted

        register_submitted(case_open_for_submitted)

        # Registers the e-mails' kinds with the outbox (`core.outbox`) in every process.
        from openkommune.cases.services import emails  # noqa: F401
