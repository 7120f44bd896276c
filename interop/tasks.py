"""The import as a Celery task: thin, idempotent, its progress written where the page sees it."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alignment.tasks import RETRY_ON, RETRY_OPTIONS
from interop.document import ImportFileError
from interop.models import ImportJob, ImportStatus
from interop.pipeline import ImportRefused, run_import

logger = logging.getLogger(__name__)


@shared_task(**RETRY_OPTIONS)
def import_task(job_id: int) -> str | None:
    job = job_run(job_id)
    return job.status if job is not None else None


def job_run(job_id: int) -> ImportJob | None:
    """Run a confirmed job (in a worker or inline). Idempotent: a job already finished is left
    alone, and a run after a crash finds nothing written (one transaction) and starts over."""
    claimed = ImportJob.objects.filter(pk=job_id, status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]).update(
        status=ImportStatus.RUNNING, progress=10
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("created_by", "unit").get(pk=job_id)
    reporter = _ProgressReporter(job.pk)
    try:
        preview = run_import(
            bytes(job.payload),
            filename=job.filename,
            format=job.format,
            unit=job.unit,
            by=job.created_by,
            job=job,
            progress=reporter,
        )
    except ImportRefused as exc:
        _finish(job, ImportStatus.REFUSED, summary=exc.preview.as_dict())
    except (ImportFileError, PermissionDenied) as exc:
        _finish(job, ImportStatus.FAILED, error=str(exc))
    except RETRY_ON:
        # Transient (database failing over, broker blinking): the task is retried, and the
        # job, still "running", is claimed again; nothing was written.
        raise
    except (ValidationError, IntegrityError) as exc:
        # The database refused something the preview could not foresee (another person's
        # edit meanwhile, a loop the cycle guard caught): all of it was rolled back.
        logger.warning("import %s refused by the database: %s", job_id, exc)
        _finish(
            job,
            ImportStatus.FAILED,
            error=_("The database refused part of the import, so nothing was saved: %(error)s") % {"error": exc},
        )
    except Exception:
        logger.exception("import %s failed", job_id)
        # Logged, not raised: the job says what happened, and a retry would fail the same way.
        _finish(job, ImportStatus.FAILED, error=_("The import failed unexpectedly; nothing was saved."))
    else:
        _finish(job, ImportStatus.DONE, summary=preview.as_dict())
    finally:
        reporter.close()
    return ImportJob.objects.get(pk=job_id)


def _finish(job: ImportJob, status: str, *, summary=None, error: str = "") -> None:
    changes = {"status": status, "progress": 100, "finished_at": timezone.now(), "payload": b"", "error": error}
    if summary is not None:
        changes["summary"] = summary
    ImportJob.objects.filter(pk=job.pk).update(**changes)


class _ProgressReporter:
    """Writes a job's progress where the page polling it can see it.

    Outside the import's transaction an ordinary update commits at once. Inside it, on
    PostgreSQL, a second connection writes it (the import's own would only show it at
    commit); SQLite allows one writer at a time, so there the bar jumps at commit.
    """

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.side = None

    def __call__(self, percent: int) -> None:
        percent = max(0, min(100, percent))
        if not transaction.get_connection().in_atomic_block:
            ImportJob.objects.filter(pk=self.job_id).update(progress=percent)
            return
        if connection.vendor != "postgresql":
            return
        if self.side is None:
            self.side = connections.create_connection("default")
        with self.side.cursor() as cursor:
            cursor.execute(f"UPDATE {ImportJob._meta.db_table} SET progress = %s WHERE id = %s", [percent, self.job_id])  # noqa: S608

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None
