from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class TenancyConfig(AppConfig):
    default = True
    name = "openkommune.tenancy"
    label = "tenancy"

    def ready(self):
        # The outbox (core) signals sends, give-ups and retries; they are audited here.
        from openkommune.core.backup import backup_event
        from openkommune.core.outbox import mail_events
        from openkommune.tenancy.services import backup_event_audit, outbox_event_audit

        mail_events.connect(outbox_event_audit, dispatch_uid="tenancy.outbox_event_audit")
        # So do backups and restores (`openkommune backup` / `restore`).
        backup_event.connect(backup_event_audit, dispatch_uid="tenancy.backup_event_audit")


class OpenKommuneAdminConfig(admin_apps.AdminConfig):
    """Django's admin with our site: only cooperative staff and superusers may enter."""

    default = False
    default_site = "openkommune.tenancy.admin_site.OpenKommuneAdminSite"
