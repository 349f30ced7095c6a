"""Codes of the working groups: roles of participants, the group's voting rule, the states of
meetings, minutes and decisions."""

from django.db import models
from django.utils.translation import gettext_lazy as _

PAGE_SIZE = 20
INVITATION_MAIL_KIND = "workinggroups.invitation"


class ParticipantRole(models.TextChoices):
    CHAIR = "chair", _("Vorsitz")
    MEMBER = "member", _("Mitglied")
    GUEST = "guest", _("Gast")


# Who may vote and upload files; guests read only.
VOTING_ROLES = frozenset({ParticipantRole.CHAIR, ParticipantRole.MEMBER})


class VoteVisibility(models.TextChoices):
    OPEN = "open", _("offen: wer wie gestimmt hat, sehen alle Teilnehmenden")
    SECRET = "secret", _("geheim: nur die Zahl der Stimmen wird gezeigt")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("geplant")
    HELD = "held", _("durchgeführt")
    CANCELLED = "cancelled", _("abgesagt")


class MinutesStatus(models.TextChoices):
    NONE = "none", _("noch kein Protokoll")
    DRAFT = "draft", _("Entwurf")
    APPROVED = "approved", _("genehmigt")


class VotingMode(models.TextChoices):
    ONLINE = "online", _("online: die Stimmberechtigten stimmen hier ab")
    MEETING = "meeting", _("in der Sitzung: das Ergebnis wird eingetragen")


class DecisionStatus(models.TextChoices):
    OPEN = "open", _("Abstimmung läuft")
    ADOPTED = "adopted", _("angenommen")
    REJECTED = "rejected", _("abgelehnt")
    NOT_QUORATE = "not_quorate", _("nicht beschlussfähig")


class Choice(models.TextChoices):
    YES = "yes", _("Ja")
    NO = "no", _("Nein")
    ABSTAIN = "abstain", _("Enthaltung")
