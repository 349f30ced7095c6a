"""Settings for collecting static files quickly in tests: the production profile's hashed
manifest (`staticfiles.json`, what `CompressedManifestStaticFilesStorage` reads when serving),
without writing the compressed copies, which takes most of `collectstatic`'s time."""

from openkommune.settings import *  # noqa: F403
from openkommune.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
