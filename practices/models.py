"""Means (tools and organisational means), practices, and the links between them and objectives."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from org.models import Role


class MeansKind(models.TextChoices):
    TECHNICAL = "technical", _("Technical (a tool)")
    ORGANISATIONAL = "organisational", _("Organisational (role, ritual, rule, training, latitude)")


class MeansStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class PracticeStatus(models.TextChoices):
    # A context of their own: in French a practice is feminine ("active", "retirée"),
    # a means masculine ("actif", "retiré").
    PROPOSED = "proposed", pgettext_lazy("practice status", "Proposed")
    ACTIVE = "active", pgettext_lazy("practice status", "Active")
    RETIRED = "retired", pgettext_lazy("practice status", "Retired")
    DECLINED = "declined", pgettext_lazy("practice status", "Declined")


class MeansQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=MeansStatus.ACTIVE)

    def for_units(self, unit_ids):
        return self.filter(unit_id__in=unit_ids)


class PracticeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=PracticeStatus.ACTIVE)

    def living(self):
        """Practices the engine watches: active ones and proposals not yet decided."""
        return self.filter(status__in=[PracticeStatus.ACTIVE, PracticeStatus.PROPOSED])

    def proposed(self):
        return self.filter(status=PracticeStatus.PROPOSED)

    def for_units(self, unit_ids):
        return self.filter(unit_id__in=unit_ids)


class Means(models.Model):
    """A technical means (a tool) or an organisational one (role, ritual, rule, training, latitude)."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=MeansKind.choices)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("link"), blank=True, help_text=_("Where the tool lives, for a technical means."))
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="means", verbose_name=_("owning unit"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_means",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MeansStatus.choices, default=MeansStatus.ACTIVE, db_index=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objectives = models.ManyToManyField(
        "objectives.Objective", through="MeansObjective", related_name="means", verbose_name=_("objectives served")
    )
    audience_units = models.ManyToManyField(
        "org.Unit",
        blank=True,
        related_name="+",
        verbose_name=_("meant for the units"),
        help_text=_("Whose work it is meant to support; none means its own unit and the units below it."),
    )
    audience_role = models.CharField(
        _("meant for the role"),
        max_length=20,
        blank=True,
        choices=Role.choices,
        help_text=_("Leave empty for every role."),
    )

    objects = MeansQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    class Meta:
        verbose_name = _("means")
        verbose_name_plural = _("means")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in MeansKind]), name="means_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=[s.value for s in MeansStatus]), name="means_status_valid"),
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="means_unit_status"),
            # The list's order: a page is read off the index instead of sorting every means.
            models.Index(fields=["name", "id"], name="means_name_id"),
        ]

    def __str__(self) -> str:
        return self.name


class Practice(models.Model):
    """A way people actually collaborate, e.g. "teams publish lessons learned in the wiki"."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="practices", verbose_name=_("owning unit")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_practices",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PracticeStatus.choices, default=PracticeStatus.PROPOSED, db_index=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposed_practices",
        verbose_name=_("proposed by"),
    )
    decision_reason = models.CharField(_("reason for the decision"), max_length=500, blank=True)
    # The seed's dual objective: a practice lives when it also serves the person doing it.
    personal_benefit = models.TextField(
        _("what it brings the person"),
        blank=True,
        max_length=2000,
        help_text=_("What someone who practises it gains: time saved, recognition, learning…"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objectives = models.ManyToManyField(
        "objectives.Objective", through="PracticeObjective", related_name="practices", verbose_name=_("objectives")
    )
    means = models.ManyToManyField(
        Means, through="PracticeMeans", related_name="practices", verbose_name=_("means relied on")
    )
    audience_units = models.ManyToManyField(
        "org.Unit",
        blank=True,
        related_name="+",
        verbose_name=_("meant for the units"),
        help_text=_("Who is meant to practise it; none means its own unit and the units below it."),
    )
    audience_role = models.CharField(
        _("meant for the role"),
        max_length=20,
        blank=True,
        choices=Role.choices,
        help_text=_("Leave empty for every role."),
    )
    # People of the audience who practise it ÷ people of the audience, kept by
    # practices.adoption on every change (None until first measured).
    adoption = models.FloatField(_("adoption"), null=True, blank=True, editable=False)

    objects = PracticeQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["version", "updated_at", "adoption"])

    class Meta:
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in PracticeStatus]), name="practice_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="practice_unit_status"),
            # The list's order: a page is read off the index instead of sorting a million rows.
            models.Index(fields=["name", "id"], name="practice_name_id"),
            # Proposals waiting for a decision, oldest first: read off the index, not sorted.
            models.Index(fields=["created_at", "id"], name="practice_proposed_oldest", condition=Q(status="proposed")),
            # Managers' "low adoption" list: their units' active practices, least adopted first.
            models.Index(fields=["unit", "status", "adoption"], name="practice_adoption"),
        ]

    def __str__(self) -> str:
        return self.name


class LinkBase(models.Model):
    """Who made a link, when, and why (one sentence)."""

    rationale = models.CharField(_("rationale"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("linked by"),
    )
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        abstract = True


class PracticeObjective(LinkBase):
    """A practice lives this objective."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="objective_links")
    objective = models.ForeignKey("objectives.Objective", on_delete=models.CASCADE, related_name="practice_links")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("practice → objective link")
        verbose_name_plural = _("practice → objective links")
        constraints = [models.UniqueConstraint(fields=["practice", "objective"], name="practice_objective_once")]
        # The engine walks these from the objective side too.
        indexes = [models.Index(fields=["objective", "practice"], name="practiceobjective_by_objective")]

    def __str__(self) -> str:
        return f"{self.practice} → {self.objective}"


class PracticeMeans(LinkBase):
    """A practice relies on this means."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="means_links")
    means = models.ForeignKey(Means, on_delete=models.CASCADE, related_name="practice_links")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("practice → means link")
        verbose_name_plural = _("practice → means links")
        constraints = [models.UniqueConstraint(fields=["practice", "means"], name="practice_means_once")]
        indexes = [models.Index(fields=["means", "practice"], name="practicemeans_by_means")]

    def __str__(self) -> str:
        return f"{self.practice} → {self.means}"


class MeansObjective(LinkBase):
    """A means serves this objective."""

    means = models.ForeignKey(Means, on_delete=models.CASCADE, related_name="objective_links")
    objective = models.ForeignKey("objectives.Objective", on_delete=models.CASCADE, related_name="means_links")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("means → objective link")
        verbose_name_plural = _("means → objective links")
        constraints = [models.UniqueConstraint(fields=["means", "objective"], name="means_objective_once")]
        indexes = [models.Index(fields=["objective", "means"], name="meansobjective_by_objective")]

    def __str__(self) -> str:
        return f"{self.means} → {self.objective}"


class Practitioner(models.Model):
    """A person who says "I practise this"."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="practitioners")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practising")
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("practitioner")
        verbose_name_plural = _("practitioners")
        constraints = [models.UniqueConstraint(fields=["practice", "user"], name="practitioner_once")]

    def __str__(self) -> str:
        return f"{self.user} practises {self.practice}"


class PractitionerDeparture(models.Model):
    """Someone who said "I stopped", and why: the reason is kept for the practice's managers."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="departures")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(_("practised since"))
    left_at = models.DateTimeField(_("stopped on"), auto_now_add=True)
    reason = models.CharField(_("why they stopped"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("practitioner who stopped")
        verbose_name_plural = _("practitioners who stopped")
        ordering = ["-left_at", "-pk"]
        indexes = [models.Index(fields=["practice", "-left_at"], name="departure_latest")]

    def __str__(self) -> str:
        return f"{self.user} stopped {self.practice}"


class AdoptionDay(models.Model):
    """Adoption of one practice on one day (the last measure of the day wins): its curve over time."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="adoption_days")
    day = models.DateField(_("day"))
    practising = models.PositiveIntegerField(_("practising"))
    audience = models.PositiveIntegerField(_("meant for"))

    class Meta:
        verbose_name = _("adoption on a day")
        verbose_name_plural = _("adoption by day")
        constraints = [models.UniqueConstraint(fields=["practice", "day"], name="adoption_day_once")]

    def __str__(self) -> str:
        return f"{self.practice} {self.day}: {self.practising}/{self.audience}"
