from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openkommune.servicedesk.mail import fetch_mailbox


class Command(BaseCommand):
    help = "Read unseen mail of the support desk's IMAP mailbox into tickets."

    def handle(self, *args, **options):
        if not settings.SERVICEDESK_IMAP_HOST:
            raise CommandError("OPENKOMMUNE_SERVICEDESK_IMAP_HOST is not set.")
        result = fetch_mailbox(
            host=settings.SERVICEDESK_IMAP_HOST,
            port=settings.SERVICEDESK_IMAP_PORT,
            user=settings.SERVICEDESK_IMAP_USER,
            password=settings.SERVICEDESK_IMAP_PASSWORD,
            use_ssl=settings.SERVICEDESK_IMAP_SSL,
        )
        self.stdout.write(
            f"{len(result.opened)} opened, {len(result.replies)} replies, {result.refused} refused"
        )
