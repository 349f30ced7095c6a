from django.db import models
from django.utils.translation import gettext_lazy as _

CONTACT_MAIL_KIND = "website.contact_message"
# The contact form: a form filled in faster than this is refused (people need longer);
# a form older than the maximum must be loaded again (its signed start time expired).
CONTACT_MIN_FILL_SECONDS = 3
CONTACT_MAX_FILL_SECONDS = 2 * 60 * 60
# At most this many messages per client (keyed hash of the address) per hour.
CONTACT_LIMIT_PER_CLIENT = 5
CONTACT_LIMIT_MINUTES = 60
# Contact messages are deleted this many days after they arrived (privacy notice).
CONTACT_RETENTION_DAYS = 180
NEWS_PAGE_SIZE = 10
FEED_SIZE = 20


class NewsState(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    SCHEDULED = "scheduled", _("geplant")
    PUBLISHED = "published", _("veröffentlicht")
