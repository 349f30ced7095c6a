"""Absolute links the platform sends to applicants (e-mails, API answers).

The pages behind them belong to the citizen journey (`submissions/urls.py`); they must
provide these URL names:

- `submissions:status` with `reference`: the status page; an anonymous applicant's secret
  link adds `?token=<status token>`.
- `submissions:resume` with `public_id`: continue a draft; an anonymous draft's link adds
  `?token=<resume token>`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

STATUS_URL_NAME = "submissions:status"
RESUME_URL_NAME = "submissions:resume"


def _absolute(base_url: str | None, path: str) -> str:
    base = (base_url or settings.SITE_URL).rstrip("/")
    return f"{base}{path}"


def status_url(*, reference: str, token: str | None = None, base_url: str | None = None) -> str:
    path = reverse(STATUS_URL_NAME, kwargs={"reference": reference})
    if token:
        path += "?" + urlencode({"token": token})
    return _absolute(base_url, path)


def resume_url(*, public_id, token: str | None = None, base_url: str | None = None) -> str:
    path = reverse(RESUME_URL_NAME, kwargs={"public_id": public_id})
    if token:
        path += "?" + urlencode({"token": token})
    return _absolute(base_url, path)
