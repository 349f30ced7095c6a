"""`openkommune fitconnect_external create|set-secret|retry …`: a member's destination at an
external FIT-Connect Zustelldienst (the platform as a sender there, outbound.py), printing
JSON. The sender client's secret is read from a file (never from the command line, which
other users of the machine can see) and never printed."""

import json
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from openkommune.fitconnect import outbound
from openkommune.fitconnect.models import ExternalDestination, OutboundSubmission
from openkommune.fitconnect.services import member_by_ars
from openkommune.tenancy.scoping import scopes_disabled


def _secret(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise CommandError(_("Die Datei %(path)s ist nicht lesbar.") % {"path": path}) from error


class Command(BaseCommand):
    help = "Zustellpunkt eines Mitglieds bei einem externen FIT-Connect-Zustelldienst."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="externen Zustellpunkt eintragen")
        create.add_argument("--member", required=True, help="Regionalschlüssel (ARS)")
        create.add_argument("--leika", required=True, action="append")
        create.add_argument("--destination-id", required=True)
        create.add_argument("--api-url", required=True, help="Submission API, ohne /v1")
        create.add_argument("--token-url", required=True)
        create.add_argument("--client-id", required=True)
        create.add_argument("--client-secret-file", required=True, type=Path)
        create.add_argument("--trust-anchors", type=Path, help="PEM-Datei (x5c-Prüfung)")
        secret = actions.add_parser("set-secret", help="Client-Secret ersetzen")
        secret.add_argument("--destination-id", required=True)
        secret.add_argument("--client-secret-file", required=True, type=Path)
        retry = actions.add_parser("retry", help="gescheiterte Zustellung wiederholen")
        retry.add_argument("--application", required=True, help="öffentliche ID des Antrags")

    def handle(self, *args, action, **options):
        try:
            if action == "create":
                route = outbound.create_external_destination(
                    tenant=member_by_ars(options["member"]),
                    leika_keys=options["leika"],
                    destination_id=options["destination_id"],
                    api_url=options["api_url"],
                    token_url=options["token_url"],
                    client_id=options["client_id"],
                    secret=_secret(options["client_secret_file"]),
                    trust_anchors_pem=(
                        options["trust_anchors"].read_text() if options["trust_anchors"] else ""
                    ),
                )
                result = {
                    "destinationId": str(route.destination_id),
                    "services": route.services,
                    "apiUrl": route.api_url,
                }
            elif action == "set-secret":
                with scopes_disabled():
                    route = ExternalDestination.objects.filter(
                        destination_id=_uuid(options["destination_id"])
                    ).first()
                if route is None:
                    raise CommandError(_("Diesen externen Zustellpunkt gibt es nicht."))
                outbound.set_external_secret(route, _secret(options["client_secret_file"]))
                result = {"destinationId": str(route.destination_id), "secretReplaced": True}
            else:
                with scopes_disabled():
                    found = OutboundSubmission.objects.filter(
                        application_public_id=_uuid(options["application"])
                    ).first()
                if found is None:
                    raise CommandError(_("Zu diesem Antrag gibt es keine Zustellung."))
                outbound.retry(found)
                result = {"application": str(found.application_public_id), "state": "pending"}
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(result))


def _uuid(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
