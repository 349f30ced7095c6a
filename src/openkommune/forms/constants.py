"""Codes of the forms app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FormVersionStatus(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    IN_REVIEW = "in_review", _("in Prüfung")
    PUBLISHED = "published", _("veröffentlicht")
    RETIRED = "retired", _("zurückgezogen")
