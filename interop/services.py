"""Imports as people run them: a job holds the file from the preview to the end.

The pipeline itself lives in ``interop.pipeline``; its two entry points are re-exported
here for the CLI, the pages and the REST API:

- ``preview_import(data, *, filename=None, format="auto", unit, by) -> ImportPreview``: what an
  import would create, update and skip, with errors and warnings naming lines or
  elements; writes nothing.
- ``run_import(data, *, filename=None, format="auto", unit, by, job=None, progress=None) -> ImportPreview``:
  the import, all or nothing; raises ``ImportRefused`` (with the preview) when the file
  has errors, ``ImportFileError`` when it cannot be read, ``PermissionDenied`` when
  ``by`` does not lead ``unit``.

``data`` is bytes or an open file (an upload; its name is the default ``filename``).
``ImportPreview.as_dict()`` is the JSON an API returns (counts per verb and kind, the
listed actions, every issue with its level, place and message).

And the job services: ``job_create`` (upload → preview, kept) and ``job_confirm`` (run
at once when small, else a Celery task after commit, its progress on the job).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from interop.document import ImportFileError, clip
from interop.models import ImportJob, ImportStatus
from interop.pipeline import SKIP, ImportPreview, ImportRefused, preview_import, run_import
from interop.tasks import import_task, job_run
from org import roles
from org.models import Unit

__all__ = [
    "ImportFileError",
    "ImportPreview",
    "ImportRefused",
    "job_confirm",
    "job_create",
    "preview_import",
    "run_import",
]

logger = logging.getLogger(__name__)


def job_create(*, upload_name: str, data: bytes, format: str, unit: Unit, by) -> ImportJob:
    """Read and preview an uploaded file; keep it as a job waiting for confirmation.

    Raises ImportFileError (unreadable file) or PermissionDenied; a file with errors
    still becomes a job (status refused) so its preview can be shown and found again.
    """
    roles.require_executive(by, unit.pk)
    preview = preview_import(data, filename=upload_name, format=format, unit=unit, by=by)
    return ImportJob.objects.create(
        created_by=by,
        unit=unit,
        format=preview.format,
        filename=clip(upload_name.replace("\x00", ""), 255),
        payload=data if preview.ok else b"",
        status=ImportStatus.PREVIEWED if preview.ok else ImportStatus.REFUSED,
        summary=preview.as_dict(),
    )


#: Imports with more rows than this run in a worker, with a progress bar; smaller ones at once.
INLINE_LIMIT = 500


def job_confirm(*, job: ImportJob, by) -> ImportJob:
    """Start a previewed import: at once if small, else as a Celery task after commit."""
    if job.created_by_id != by.pk:
        raise PermissionDenied(_("Only the person who uploaded this file can confirm its import."))
    roles.require_executive(by, job.unit_id)
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEWED).update(
        status=ImportStatus.QUEUED, progress=5
    )
    if not claimed:
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    rows = sum(sum(counter.values()) for verb, counter in job.summary.get("counts", {}).items() if verb != SKIP)
    if rows <= INLINE_LIMIT:
        job_run(job.pk)
    else:
        transaction.on_commit(lambda: _enqueue(job.pk), robust=True)
    job.refresh_from_db()
    return job


def _enqueue(job_id: int) -> None:
    try:
        import_task.delay(job_id)
    except Exception:
        # Broker down: give the confirmation back rather than leave a job queued forever.
        ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.PREVIEWED,
            progress=0,
            error=_("The import could not be started: try again in a minute."),
        )
        logger.exception("import %s not enqueued", job_id)
