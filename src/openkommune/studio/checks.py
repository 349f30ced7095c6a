"""System check of the studio (`openkommune check`, and before `migrate`, `runserver`, `serve`
and the workers): the publish gate runs axe-core in Chromium through Playwright on the job
workers (ADR 0036). Without one of them no form can be published; the gate run then says so
in German, but an operator should learn it when deploying, not from the cooperative's staff
(ADR 0044). Debug off only, like the virus scanner's check."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from openkommune.studio.axe import AxeUnavailable, check_available

GATE_UNAVAILABLE = "studio.W001"


@checks.register(checks.Tags.security)
def check_publish_gate(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    try:
        check_available()
    except AxeUnavailable as error:
        return [
            checks.Warning(
                f"The form studio's publish gate cannot run, so no form can be published: {error}",
                hint="Install Debian's chromium (`make chromium`; `make serve` does it) and "
                "the production dependencies (playwright, npm's axe-core), or set "
                "OPENKOMMUNE_CHROMIUM / OPENKOMMUNE_AXE_JS (see docs/operations.md).",
                id=GATE_UNAVAILABLE,
            )
        ]
    return []
