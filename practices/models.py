"""Means (tools and organisational means), practices, and the links between them and objectives."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


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
        indexes = [models.Index(fields=["unit", "status"], name="means_unit_status")]

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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objectives = models.ManyToManyField(
        "objectives.Objective", through="PracticeObjective", related_name="practices", verbose_name=_("objectives")
    )
    means = models.ManyToManyField(
        Means, through="PracticeMeans", related_name="practices", verbose_name=_("means relied on")
    )

    objects = PracticeQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    class Meta:
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in PracticeStatus]), name="practice_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["unit", "status"], name="practice_unit_status")]

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
