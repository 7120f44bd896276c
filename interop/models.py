"""Imports people run (with their preview, progress and summary) and where imported records came from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Waiting for confirmation")
    REFUSED = "refused", _("Refused (errors in the file)")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


#: Statuses in which the job still moves on its own: the page polls while they last.
IN_PROGRESS = (ImportStatus.QUEUED, ImportStatus.RUNNING)


class ImportJob(models.Model):
    """One file someone imports: kept from the preview to the end, so the page can be left and found again."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs", verbose_name=_("imported by")
    )
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    format = models.CharField(_("format"), max_length=16)
    filename = models.CharField(_("file name"), max_length=255)
    # The file itself, until the import is done: the confirmation (possibly in a worker)
    # reads it again rather than trusting anything the browser sends back.
    payload = models.BinaryField(_("file"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    #: The preview, then the outcome: counts, and the errors and warnings naming lines or elements.
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="importjob_progress_percent"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in ImportStatus]), name="importjob_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importjob_by_person")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS


class RecordKind(models.TextChoices):
    OBJECTIVE = "objective", _("objective")
    MEANS = "means", _("means")
    PRACTICE = "practice", _("practice")


class ImportedRecord(models.Model):
    """The identifier a record has in the file it came from, per importing unit.

    Re-importing the same file into the same unit finds its records here and creates
    nothing; exports write this identifier back, so a file round-trips. Deleting the
    record deletes the mapping, and a later import creates it again.
    """

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    external_id = models.CharField(max_length=255)
    objective = models.ForeignKey(
        "objectives.Objective", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    means = models.ForeignKey("practices.Means", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    practice = models.ForeignKey(
        "practices.Practice", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    job = models.ForeignKey(ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("imported record")
        verbose_name_plural = _("imported records")
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "external_id"], name="importedrecord_once_per_unit"),
            models.CheckConstraint(
                name="importedrecord_one_target_of_its_kind",
                condition=(
                    Q(kind="objective", objective__isnull=False, means__isnull=True, practice__isnull=True)
                    | Q(kind="means", objective__isnull=True, means__isnull=False, practice__isnull=True)
                    | Q(kind="practice", objective__isnull=True, means__isnull=True, practice__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id}"

    @property
    def record_id(self) -> int | None:
        return self.objective_id or self.means_id or self.practice_id
