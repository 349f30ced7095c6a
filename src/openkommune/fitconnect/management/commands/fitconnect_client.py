"""`openkommune fitconnect_client create …`: an API client of a member; prints the secret
once, as JSON (docs/fit-connect.md)."""

import json
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from openkommune.fitconnect import services
from openkommune.fitconnect.constants import ClientRole
from openkommune.fitconnect.models import Destination
from openkommune.tenancy.scoping import scope


class Command(BaseCommand):
    help = "FIT-Connect-API-Clients (Sender oder Subscriber) eines Mitglieds anlegen."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Client anlegen")
        create.add_argument("--member", required=True, help="ARS des Mitglieds")
        create.add_argument("--role", required=True, choices=ClientRole.values)
        create.add_argument("--destination", help="ID eines Zustellpunkts des Mitglieds")
        revoke = actions.add_parser("revoke", help="Client widerrufen")
        revoke.add_argument("--client", required=True, help="Client-ID")

    def handle(self, *args, action, **options):
        if action == "revoke":
            try:
                client = services.revoke_client(client_id=options["client"])
            except ValueError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(json.dumps({"clientId": str(client.client_id), "revoked": True}))
            return
        member, role, destination = options["member"], options["role"], options["destination"]
        try:
            organisation = services.member_by_ars(member)
            found = None
            if destination:
                try:
                    did = uuid.UUID(destination)
                except ValueError:
                    did = None
                with scope(tenant=organisation):
                    found = Destination.objects.filter(destination_id=did).first() if did else None
                if found is None:
                    raise ValueError(
                        _("Das Mitglied hat keinen Zustellpunkt %(id)s.") % {"id": destination}
                    )
            created = services.create_client(tenant=organisation, role=role, destination=found)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            json.dumps(
                {
                    "clientId": str(created.client.client_id),
                    "clientSecret": created.secret,
                    "scope": " ".join(created.client.scopes),
                }
            )
        )
