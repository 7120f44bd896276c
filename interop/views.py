"""The Import page (upload → preview → confirm, then progress) and the Export menu.

For executives and administrators only (``org.roles``): others get 403. An import job is
visible to the person who uploaded it alone; anyone else gets 404, as for a missing one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from interop import formats, services
from interop.exports import export_document
from interop.formats.safe import zip_files
from interop.forms import ExportForm, ImportForm
from interop.models import ImportJob
from interop.pipeline import kind_labels
from org import roles
from org.models import Unit
from raison.web import render_region, wants_region

#: How many of a person's past imports the page lists.
LISTED_JOBS = 20
#: How many errors, and how many warnings, an import's page lists.
LISTED_ISSUES = 300


def _require_importer(request: HttpRequest) -> None:
    if not roles.is_executive(request.user):
        raise PermissionDenied(_("Only executives and administrators can import or export the strategy."))


def _get_job(request: HttpRequest, pk: int) -> ImportJob:
    _require_importer(request)
    job = ImportJob.objects.select_related("unit").filter(pk=pk, created_by=request.user).first()
    if job is None:
        raise Http404(_("No such import."))
    return job


def _imports_page(request: HttpRequest, form: ImportForm, status: int = 200) -> HttpResponse:
    jobs = ImportJob.objects.filter(created_by=request.user).select_related("unit").defer("payload", "summary")
    return render_region(request, "interop/imports.html", {"form": form, "jobs": jobs[:LISTED_JOBS]}, status=status)


@login_required
@require_GET
def imports(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    return _imports_page(request, ImportForm(user=request.user))


@login_required
@require_POST
def import_upload(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    form = ImportForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        return _imports_page(request, form, status=422)
    files = form.cleaned_data["file"]
    if len(files) == 1:
        name, data = files[0].name, files[0].read()
    else:
        # Archi's three CSV files, picked together: the reader takes them as one archive.
        name, data = files[0].name, zip_files({f.name: f.read() for f in files})
    try:
        job = services.job_create(
            upload_name=name,
            data=data,
            format=form.cleaned_data["format"],
            unit=form.cleaned_data["unit"],
            by=request.user,
        )
    except services.ImportFileError as exc:
        form.add_error("file", str(exc))
        return _imports_page(request, form, status=422)
    return redirect("interop:import_detail", pk=job.pk)


def _job_context(job: ImportJob) -> dict:
    """The job's summary shaped for the page: counts per kind, issues by level, labelled actions."""
    summary = job.summary or {}
    counts = summary.get("counts", {})
    labels = kind_labels()
    verbs = {"create": _("create"), "update": _("update"), "skip": _("unchanged")}
    rows = [
        {"label": label, **{verb: counts.get(verb, {}).get(kind, 0) for verb in ("create", "update", "skip")}}
        for kind, label in labels.items()
    ]
    issues = summary.get("issues", [])
    errors = [i for i in issues if i["level"] == "error"]
    warnings = [i for i in issues if i["level"] != "error"]
    actions = [
        {**a, "kind_label": labels.get(a["kind"], a["kind"]), "verb_label": verbs.get(a["verb"], a["verb"])}
        for a in summary.get("actions", [])
    ]
    return {
        "job": job,
        "summary": summary,
        "counts": rows,
        # A model with thousands of warnings would make a page nobody reads: the first
        # ones, and how many more (the command line prints them all).
        "errors": errors[:LISTED_ISSUES],
        "warnings": warnings[:LISTED_ISSUES],
        "more_issues": max(0, len(errors) - LISTED_ISSUES) + max(0, len(warnings) - LISTED_ISSUES),
        "not_imported": sorted(summary.get("not_imported", {}).items()),
        "actions": actions,
    }


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job(request, pk)
    return render_region(request, "interop/import_detail.html", _job_context(job), region="status")


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job(request, pk)
    job = services.job_confirm(job=job, by=request.user)
    if job.status == "done":
        messages.success(request, _("Imported."))
    if wants_region(request):
        return render_region(request, "interop/import_detail.html", _job_context(job), region="status")
    return redirect("interop:import_detail", pk=job.pk)


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    form = ExportForm(request.GET or None, user=request.user)
    if not request.GET or not form.is_valid():
        status = 422 if request.GET else 200
        return render(request, "interop/export.html", {"form": form}, status=status)
    unit: Unit | None = form.cleaned_data["unit"]
    fmt = form.cleaned_data["format"]
    if unit is None:
        unit_ids = roles.executive_unit_ids(request.user)
        name = ""
    else:
        unit_ids = Unit.objects.subtree_of([unit.pk]).values_list("pk", flat=True)
        name = unit.name
    data = formats.WRITERS[fmt](export_document(unit_ids=unit_ids, name=name))
    filename, content_type = formats.EXPORT_FILES[fmt]
    if unit is not None:
        filename = f"{unit.code}-{filename}"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
