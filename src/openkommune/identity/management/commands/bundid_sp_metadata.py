from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from openkommune.identity import saml


class Command(BaseCommand):
    help = (
        "Write the SAML metadata of this service provider (for the BundID registration or a "
        "test identity provider)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url", required=True, help="public address, e.g. https://portal.example.de"
        )
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, base_url, output=None, **options):
        if not saml.is_configured():
            raise CommandError(
                "BundID is not configured: OPENKOMMUNE_BUNDID_IDP_METADATA_FILE or _URL and the "
                "key pairs are needed (docs/identity.md)."
            )
        xml = saml.metadata_xml(base_url.rstrip("/"))
        data = xml.encode() if isinstance(xml, str) else xml
        if output:
            Path(output).write_bytes(data)
        else:
            self.stdout.write(data.decode())
