import datetime

from django.utils import timezone

from openkommune.website import services
from tests.accounts.factories import UserFactory


def staff():
    return UserFactory(cooperative_staff=True)


def published_post(actor=None, *, title="Neuer Rahmenvertrag", tags="", days_ago=1, **fields):
    actor = actor or staff()
    post = services.news_create(
        actor=actor,
        title=title,
        summary=fields.pop("summary", "Kurz gesagt."),
        body=fields.pop("body", "Erster Absatz.\n\nZweiter Absatz."),
        tags=tags,
        **fields,
    )
    return services.news_publish(
        post=post, actor=actor, published_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
