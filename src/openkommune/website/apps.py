from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    """The cooperative's public website: news (Aktuelles) with tags, print view, PDF and an
    Atom feed; the office's contact page with a contact form and the office's vCard."""

    name = "openkommune.website"
    label = "website"

    def ready(self) -> None:
        # Registers the contact form's e-mail kind with the outbox.
        from openkommune.website import services  # noqa: F401
