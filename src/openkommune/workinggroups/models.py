"""Working groups (Arbeitskreise) of the cooperative and what happens in them.

A working group is the cooperative's data, like its framework contracts (no tenant): its
participants come from many members. Who may see a group is decided in one place
(`selectors.group_list`): its participants and the cooperative's staff. Every row below
hangs off one group; URLs carry public ids only, and a row is always looked up through its
group, so a participant of one group never reaches another group's meeting, file or decision
by changing an id (ADR 0038).

Votes: the counts live on the decision. A `Vote` row says that a participant voted (so nobody
votes twice); its `choice` is kept only when the group's rule is an open vote. A secret
vote's choice is added to the counts and not stored anywhere else.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openkommune.core.models import PublicIdModel, outbox_mails_relation, person_field
from openkommune.fachverfahren.models import Fachverfahren
from openkommune.procurement.models import FrameworkContract
from openkommune.submissions.constants import ScanResult
from openkommune.workinggroups.constants import (
    Choice,
    DecisionStatus,
    MeetingStatus,
    MinutesStatus,
    ParticipantRole,
    VoteVisibility,
    VotingMode,
)


class WorkingGroup(PublicIdModel):
    name = models.CharField(_("Name"), max_length=200, unique=True)
    description = models.TextField(_("Worum es geht"), blank=True)
    vote_visibility = models.CharField(
        _("Abstimmungen"),
        max_length=10,
        choices=VoteVisibility.choices,
        default=VoteVisibility.SECRET,
    )
    quorum = models.PositiveSmallIntegerField(
        _("Beschlussfähig ab"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text=_(
            "So viele Stimmberechtigte (Vorsitz und Mitglieder) müssen an einer Abstimmung "
            "teilnehmen bzw. in der Sitzung anwesend sein."
        ),
    )
    contracts = models.ManyToManyField(
        FrameworkContract,
        blank=True,
        related_name="+",
        verbose_name=_("besprochene Rahmenverträge"),
    )
    fachverfahren = models.ManyToManyField(
        Fachverfahren,
        blank=True,
        related_name="+",
        verbose_name=_("besprochene Fachverfahren"),
    )
    is_demo = models.BooleanField(_("Demo-Daten"), default=False)

    class Meta:
        verbose_name = _("Arbeitskreis")
        verbose_name_plural = _("Arbeitskreise")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Participant(PublicIdModel):
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("Person")
    )
    # The member (or the cooperative) the person takes part for.
    organisation = models.ForeignKey(
        "tenancy.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("für"),
    )
    role = models.CharField(_("Rolle"), max_length=10, choices=ParticipantRole.choices)
    # Set when the person leaves the group: the row stays for the history (votes cast,
    # attendance), the person no longer sees the group.
    removed_at = models.DateTimeField(_("ausgeschieden am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Teilnehmende Person")
        verbose_name_plural = _("Teilnehmende")
        ordering = ["role", "user__last_name", "user__first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                name="workinggroups_participant_unique",
                violation_error_message=_("Die Person nimmt schon teil."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.email} ({self.organisation})"


class Meeting(PublicIdModel):
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="meetings")
    title = models.CharField(_("Titel"), max_length=200)
    starts_at = models.DateTimeField(_("Beginn"))
    ends_at = models.DateTimeField(_("Ende"))
    location = models.CharField(
        _("Ort"), max_length=300, blank=True, help_text=_("Raum und Anschrift oder Link")
    )
    status = models.CharField(
        _("Status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    # RFC 5545 SEQUENCE: counted up with every change a calendar must take over.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    invited_at = models.DateTimeField(_("eingeladen am"), null=True, blank=True)
    minutes = models.TextField(_("Protokoll"), blank=True)
    minutes_status = models.CharField(
        _("Protokoll"), max_length=10, choices=MinutesStatus.choices, default=MinutesStatus.NONE
    )
    minutes_written_by = person_field(_("Protokoll geschrieben von"))
    minutes_approved_by = person_field(_("Protokoll genehmigt von"))
    minutes_approved_at = models.DateTimeField(_("Protokoll genehmigt am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Sitzung")
        verbose_name_plural = _("Sitzungen")
        ordering = ["-starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="workinggroups_meeting_ends_after_start",
                violation_error_message=_("Das Ende liegt nicht nach dem Beginn."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AgendaItem(PublicIdModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(_("Nummer"))
    title = models.CharField(_("Tagesordnungspunkt"), max_length=200)

    class Meta:
        verbose_name = _("Tagesordnungspunkt")
        verbose_name_plural = _("Tagesordnung")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "position"], name="workinggroups_agenda_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"TOP {self.position}: {self.title}"


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    present = models.BooleanField(_("anwesend"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "participant"], name="workinggroups_attendance_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant}: {self.present}"


class Invitation(PublicIdModel):
    """One participant invited to one meeting: the subject of the invitation e-mail."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    mails = outbox_mails_relation()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "participant"], name="workinggroups_invitation_unique"
            ),
        ]


class GroupFile(PublicIdModel):
    """A file of the group, scanned like the citizens' uploads; stored privately under a
    random name, served only to those who see the group."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="files")
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="files",
        verbose_name=_("zur Sitzung"),
    )
    title = models.CharField(_("Titel"), max_length=200)
    original_name = models.CharField(_("Dateiname"), max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=200, editable=False)
    scan_result = models.CharField(_("Virenprüfung"), max_length=20, choices=ScanResult.choices)
    uploaded_by = person_field(_("hochgeladen von"))

    class Meta:
        verbose_name = _("Datei")
        verbose_name_plural = _("Dateien")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Decision(PublicIdModel):
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="decisions")
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("Sitzung"),
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("Tagesordnungspunkt"),
    )
    title = models.CharField(_("Beschluss"), max_length=200)
    text = models.TextField(_("Beschlussvorschlag"))
    voting = models.CharField(_("Abstimmung"), max_length=10, choices=VotingMode.choices)
    # The group's rule when the vote was opened: a later change of the rule does not rewrite
    # how a past vote counted or who may see the votes.
    vote_visibility = models.CharField(max_length=10, choices=VoteVisibility.choices)
    quorum = models.PositiveSmallIntegerField()
    status = models.CharField(
        _("Ergebnis"), max_length=15, choices=DecisionStatus.choices, default=DecisionStatus.OPEN
    )
    yes_count = models.PositiveIntegerField(_("Ja"), default=0)
    no_count = models.PositiveIntegerField(_("Nein"), default=0)
    abstain_count = models.PositiveIntegerField(_("Enthaltung"), default=0)
    # Voters counted for the quorum at the close: votes cast (online) or voting participants
    # present (meeting).
    quorum_basis = models.PositiveIntegerField(default=0)
    contract = models.ForeignKey(
        FrameworkContract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Rahmenvertrag"),
    )
    fachverfahren = models.ForeignKey(
        Fachverfahren,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Fachverfahren"),
    )
    opened_by = person_field(_("zur Abstimmung gestellt von"))
    closed_at = models.DateTimeField(_("abgeschlossen am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Beschluss")
        verbose_name_plural = _("Beschlüsse")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def votes_cast(self) -> int:
        return self.yes_count + self.no_count + self.abstain_count

    @property
    def is_open(self) -> bool:
        return self.status == DecisionStatus.OPEN


class Vote(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    # Empty for a secret vote (see the module docstring).
    choice = models.CharField(max_length=10, choices=Choice.choices, blank=True)
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "participant"],
                name="workinggroups_vote_once",
                violation_error_message=_("Sie haben schon abgestimmt."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision}: {self.participant_id}"


class CalendarToken(models.Model):
    """The secret of a person's calendar feeds: a random salt, the token derived from it
    with the installation's key (only its SHA-256 is stored for the look-up)."""

    user = models.OneToOneField("accounts.User", on_delete=models.CASCADE, related_name="+")
    salt = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user}"
