"""`openkommune fitconnect_destination create|rotate-key …`: FIT-Connect destinations of a
member from the command line, printing JSON (docs/fit-connect.md)."""

import json
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from openkommune.fitconnect import jose, services
from openkommune.fitconnect.constants import KeyUse
from openkommune.fitconnect.inbox import create_inbox_destination, rotate_inbox_key
from openkommune.fitconnect.models import Destination
from openkommune.tenancy.scoping import scopes_disabled


def _read_jwk(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise CommandError(_("Die Datei %(path)s ist nicht lesbar.") % {"path": path}) from error
    except ValueError as error:
        raise CommandError(_("Die Datei %(path)s ist kein JSON.") % {"path": path}) from error


class Command(BaseCommand):
    help = "FIT-Connect-Zustellpunkte eines Mitglieds anlegen und ihre Schlüssel wechseln."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Zustellpunkt anlegen")
        create.add_argument("--member", required=True, help="ARS des Mitglieds")
        create.add_argument(
            "--leika", required=True, action="append", help="LeiKa-Schlüssel (mehrfach möglich)"
        )
        create.add_argument("--public-key", help="öffentlicher JWK (Verschlüsselung)")
        create.add_argument(
            "--inbox",
            action="store_true",
            help="Posteingang der Plattform: die Plattform erzeugt und verwahrt die Schlüssel",
        )
        create.add_argument("--signature-key", help="öffentlicher JWK (Signaturprüfung)")
        create.add_argument(
            "--submission-schema",
            action="append",
            default=[],
            help="URI eines JSON-Fachdatenschemas, das der Zustellpunkt annimmt",
        )
        rotate = actions.add_parser("rotate-key", help="Schlüssel wechseln")
        rotate.add_argument("--destination", required=True)
        rotate.add_argument("--use", choices=KeyUse.values, required=True)
        rotate.add_argument(
            "--public-key",
            help="neuer öffentlicher JWK (ohne: bei einem Posteingang erzeugt die Plattform ihn)",
        )

    def handle(self, *args, action, **options):
        try:
            if action == "create" and options["inbox"]:
                if options["public_key"] or options["signature_key"]:
                    raise CommandError(
                        _("Ein Posteingang bekommt Schlüssel der Plattform, keine eigenen.")
                    )
                destination = create_inbox_destination(
                    tenant=services.member_by_ars(options["member"]),
                    leika_keys=options["leika"],
                )
                result = {"destinationId": str(destination.destination_id), "inbox": True}
            elif action == "create":
                if not options["public_key"]:
                    raise CommandError(_("--public-key fehlt (oder --inbox)."))
                member = services.member_by_ars(options["member"])
                destination = services.create_destination(
                    tenant=member,
                    leika_keys=options["leika"],
                    encryption_jwk=_read_jwk(options["public_key"]),
                    signature_jwk=(
                        _read_jwk(options["signature_key"]) if options["signature_key"] else None
                    ),
                    submission_schemas=[
                        {"schemaUri": uri, "mimeType": "application/json"}
                        for uri in options["submission_schema"]
                    ],
                )
                result = {"destinationId": str(destination.destination_id)}
            else:
                destination = _destination(options["destination"])
                if destination.inbox:
                    if options["public_key"]:
                        raise CommandError(
                            _("Ein Posteingang bekommt Schlüssel der Plattform, keine eigenen.")
                        )
                    kid = rotate_inbox_key(destination=destination, use=options["use"])
                else:
                    if not options["public_key"]:
                        raise CommandError(_("--public-key fehlt."))
                    public = _read_jwk(options["public_key"])
                    services.rotate_key(
                        destination=destination, use=options["use"], public_jwk=public
                    )
                    kid = public.get("kid")
                result = {
                    "destinationId": str(destination.destination_id),
                    "rotated": options["use"],
                    "kid": kid,
                }
        except (ValueError, jose.JoseError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(result))


def _destination(destination_id: str) -> Destination:
    try:
        did = uuid.UUID(destination_id)
    except ValueError:
        did = None
    with scopes_disabled():
        found = Destination.objects.filter(destination_id=did).first() if did else None
    if found is None:
        raise ValueError(_("Keinen Zustellpunkt %(id)s gefunden.") % {"id": destination_id})
    return found
