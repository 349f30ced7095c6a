"""The cooperative's member register.

An organisation (`tenancy.Organisation`, the tenant) is a member of the cooperative during
one or more `MembershipPeriod`s; the register keeps every period, so membership as of any
date follows from join and leave dates. Shares and contact persons are the member's own data:
other members see them only where marked public.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from openkommune.core.models import PublicIdModel, TimeStampedModel


class CooperativeMember(PublicIdModel):
    organisation = models.OneToOneField(
        "tenancy.Organisation",
        on_delete=models.PROTECT,
        related_name="cooperative_member",
        verbose_name=_("Organisation"),
    )
    is_founding_member = models.BooleanField(_("Gründungsmitglied"), default=False)
    shares_count = models.PositiveIntegerField(_("Geschäftsanteile (Anzahl)"), default=0)
    shares_amount = models.DecimalField(
        _("Geschäftsanteile (Betrag in Euro)"), max_digits=12, decimal_places=2, default=0
    )
    shares_public = models.BooleanField(_("Anteile öffentlich"), default=False)
    notes = models.TextField(_("Bemerkungen"), blank=True)
    # Where the register entry comes from, e.g. a press article for the demo register built
    # from partial public information.
    source = models.CharField(_("Quelle"), max_length=500, blank=True)
    is_demo = models.BooleanField(_("Demo-Daten"), default=False)
    # Bodies the member names to call off from framework contracts on its behalf (its schools,
    # Eigenbetriebe …); they may call off while the member is a member (issue 19).
    bodies = models.ManyToManyField(
        "tenancy.Organisation",
        blank=True,
        related_name="naming_members",
        verbose_name=_("benannte abrufberechtigte Stellen"),
    )

    class Meta:
        verbose_name = _("Mitglied der Genossenschaft")
        verbose_name_plural = _("Mitglieder der Genossenschaft")
        ordering = ["organisation__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(shares_amount__gte=0), name="member_shares_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return str(self.organisation)


class MembershipPeriod(TimeStampedModel):
    """One uninterrupted membership: joined on a date, left on a date (or still a member)."""

    member = models.ForeignKey(CooperativeMember, on_delete=models.CASCADE, related_name="periods")
    joined_on = models.DateField(_("Beitritt am"))
    left_on = models.DateField(_("Austritt am"), null=True, blank=True)
    leave_reason = models.CharField(_("Austrittsgrund"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Mitgliedschaftszeitraum")
        verbose_name_plural = _("Mitgliedschaftszeiträume")
        ordering = ["member", "joined_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="membership_period_leaves_after_joining",
            ),
            models.UniqueConstraint(
                fields=["member", "joined_on"], name="membership_period_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.joined_on} – {self.left_on or '…'}"


class MemberContact(TimeStampedModel):
    member = models.ForeignKey(CooperativeMember, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("Name"), max_length=200)
    function = models.CharField(_("Funktion"), max_length=200, blank=True)
    email = models.EmailField(_("E-Mail"), blank=True)
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    is_public = models.BooleanField(_("öffentlich"), default=False)

    class Meta:
        verbose_name = _("Ansprechperson")
        verbose_name_plural = _("Ansprechpersonen")
        ordering = ["member", "name"]

    def __str__(self) -> str:
        return self.name
