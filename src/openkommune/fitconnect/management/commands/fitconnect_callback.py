"""`openkommune fitconnect_callback set|remove …`: a destination's callback (FIT-Connect
webhook) from the command line, printing JSON; the secret is shown once."""

import json
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from openkommune.fitconnect import callbacks
from openkommune.fitconnect.models import Destination
from openkommune.tenancy.scoping import scopes_disabled


class Command(BaseCommand):
    help = "Callback (Webhook) eines FIT-Connect-Zustellpunkts setzen oder entfernen."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        set_ = actions.add_parser("set", help="Callback-URL setzen; ein neues Secret entsteht")
        set_.add_argument("--destination", required=True)
        set_.add_argument("--url", required=True, help="https://…")
        remove = actions.add_parser("remove", help="Callback entfernen")
        remove.add_argument("--destination", required=True)

    def handle(self, *args, action, **options):
        destination = _destination(options["destination"])
        if action == "set":
            try:
                secret = callbacks.set_callback(destination, options["url"])
            except ValueError as error:
                raise CommandError(str(error)) from error
            result = {
                "destinationId": str(destination.destination_id),
                "callbackUrl": options["url"],
                "callbackSecret": secret,
            }
        else:
            result = {
                "destinationId": str(destination.destination_id),
                "removed": callbacks.remove_callback(destination),
            }
        self.stdout.write(json.dumps(result))


def _destination(destination_id: str) -> Destination:
    try:
        did = uuid.UUID(destination_id)
    except ValueError:
        did = None
    with scopes_disabled():
        found = Destination.objects.filter(destination_id=did).first() if did else None
    if found is None:
        raise CommandError(_("Zustellpunkt %(id)s gibt es nicht.") % {"id": destination_id})
    return found
