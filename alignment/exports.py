"""CSV downloads of the four lists (objectives, means, practices, flags), filters applied.

Each export reads the list page's own filter form and selector, so it holds exactly the
rows the page shows, all pages at once. Rows stream out in chunks (constant memory,
whatever the organisation's size); a cell a spreadsheet would run as a formula is
neutralised (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from alignment.models import FLAG_SUBJECT
from alignment.views import inbox_filters
from objectives import selectors as objective_selectors
from objectives.forms import ObjectiveFilterForm
from practices import selectors as practice_selectors
from practices.forms import MeansFilterForm, PracticeFilterForm

CHUNK = 2000


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A leading =, +, -, @ (or tab/CR) makes spreadsheets evaluate the cell.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _yes_no(flag: bool) -> str:
    return _("yes") if flag else _("no")


def _csv_response(name: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # so spreadsheets read UTF-8 (accents) correctly
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([_cell(value) for value in row])

    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


@login_required
@require_GET
def objectives_csv(request: HttpRequest) -> StreamingHttpResponse:
    form = ObjectiveFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = objective_selectors.objective_list(
        q=(filters.get("q") or "").strip(),
        unit_id=filters["unit"].pk if filters.get("unit") else None,
        status=filters.get("status") or "",
        flagged=bool(filters.get("flagged")),
    )
    rows = (
        [
            o.pk,
            o.title,
            o.get_status_display(),
            o.unit.name,
            _person(o.owner),
            o.parent.title if o.parent else "",
            o.child_count,
            _yes_no(o.has_open_flag),
            o.starts_on or "",
            o.ends_on or "",
        ]
        for o in queryset.iterator(chunk_size=CHUNK)
    )
    header = [
        _("Id"),
        _("Title"),
        _("Status"),
        _("Unit"),
        _("Owner"),
        _("Parent objective"),
        _("Sub-objectives"),
        _("Flagged"),
        _("Starts on"),
        _("Ends on"),
    ]
    return _csv_response("objectives", header, rows)


@login_required
@require_GET
def means_csv(request: HttpRequest) -> StreamingHttpResponse:
    filters = MeansFilterForm(request.GET or None, units=practice_selectors.units_for_filter())
    queryset = practice_selectors.means_list(**filters.filters())
    rows = (
        [
            m.pk,
            m.name,
            m.get_kind_display(),
            m.get_status_display(),
            m.unit.name,
            _person(m.owner),
            m.practice_count,
            _yes_no(m.has_open_flag),
            m.url,
        ]
        for m in queryset.iterator(chunk_size=CHUNK)
    )
    header = [
        _("Id"),
        _("Name"),
        _("Kind"),
        _("Status"),
        _("Unit"),
        _("Owner"),
        _("Practices using it"),
        _("Flagged"),
        _("Address"),
    ]
    return _csv_response("means", header, rows)


@login_required
@require_GET
def practices_csv(request: HttpRequest) -> StreamingHttpResponse:
    filters = PracticeFilterForm(request.GET or None, units=practice_selectors.units_for_filter())
    queryset = practice_selectors.practice_list(**filters.filters())
    rows = (
        [
            p.pk,
            p.name,
            p.get_status_display(),
            p.unit.name,
            _person(p.owner),
            p.practitioner_count,
            _yes_no(p.has_open_flag),
        ]
        for p in queryset.iterator(chunk_size=CHUNK)
    )
    header = [_("Id"), _("Name"), _("Status"), _("Unit"), _("Owner"), _("People practising it"), _("Flagged")]
    return _csv_response("practices", header, rows)


@login_required
@require_GET
def flags_csv(request: HttpRequest) -> StreamingHttpResponse:
    _form, _filters, queryset = inbox_filters(request)

    def state(flag) -> str:
        if flag.resolved_at:
            return _("Resolved")
        return _("Accepted exception") if flag.acknowledged_at else _("Open")

    def rows():
        for flag in queryset.iterator(chunk_size=CHUNK):
            subject = flag.subject
            yield [
                flag.pk,
                flag.get_kind_display(),
                FLAG_SUBJECT[flag.kind],
                str(subject),
                subject.unit.name,
                _person(subject.owner),
                timezone.localtime(flag.raised_at).isoformat(timespec="minutes"),
                state(flag),
                flag.acknowledgement_reason,
            ]

    header = [
        _("Id"),
        _("Kind"),
        _("Subject kind"),
        _("Subject"),
        _("Unit"),
        _("Owner"),
        _("Raised at"),
        _("State"),
        _("Reason"),
    ]
    return _csv_response("flags", header, rows())
