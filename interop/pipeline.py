"""The import pipeline: read a file into a document, compare it with the unit, write the difference.

Entry points (the CLI, the Import page and the REST API all use these two):

- ``preview_import(data, *, filename, format, unit, by) -> ImportPreview`` reads the file
  and says what an import would create, update and skip, with every error and warning
  naming the line or element it is about. It writes nothing.
- ``run_import(data, *, filename, format, unit, by, job=None, progress=None) -> ImportPreview``
  does the same and, when the preview has no error, writes it all in one transaction
  (all or nothing). It raises :class:`ImportRefused` (carrying the preview) when the
  file has errors, and :class:`ImportFileError` when it cannot be read at all.

``data`` is the file's bytes or an open file (a Django upload: its name is then the
default ``filename``); ``format`` is one of :data:`interop.formats.FORMATS` or
``"auto"``; ``by`` is the person importing (an executive of ``unit``), or ``None`` for
the operator at the command line. Records are matched to earlier imports by the
identifier they have in the file (:class:`interop.models.ImportedRecord`), so
importing the same file twice creates nothing the second time.

Writes are set-based (``bulk_create`` with history rows) so 17,000 elements import in
seconds; since bulk writes send no signals, the ids written are handed to the engine's
live path (``alignment.live.touch``), which re-checks them once the transaction commits.
Imported records are owned by the person the file names (an e-mail or username), or
by nobody: the importer is told once, by one summary notification, rather than once
per flag on hundreds of records they would otherwise own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alignment import live
from alignment.models import Notification
from interop import formats
from interop.document import (
    ERROR,
    MEANS_OBJECTIVE,
    NAME_LIMIT,
    PRACTICE_MEANS,
    PRACTICE_OBJECTIVE,
    RATIONALE_LIMIT,
    WARNING,
    ImportFileError,
    Issue,
    LinkRow,
    StrategyDocument,
    clip,
    one_line,
)
from interop.models import ImportedRecord, ImportJob, RecordKind
from objectives.models import Objective, ObjectiveStatus
from org import roles
from org.models import Unit
from practices.models import (
    Means,
    MeansKind,
    MeansObjective,
    MeansStatus,
    Practice,
    PracticeMeans,
    PracticeObjective,
    PracticeStatus,
)

__all__ = ["ImportFileError", "ImportPreview", "ImportRefused", "preview_import", "run_import"]

CREATE, UPDATE, SKIP = "create", "update", "skip"
#: How many rows of each verb the preview lists by name; the counts are always complete.
LISTED_ACTIONS = 200
#: The longest identifier kept for re-imports, and the longest web address of a means.
REF_LIMIT = ImportedRecord._meta.get_field("external_id").max_length
URL_LIMIT = Means._meta.get_field("url").max_length
#: Rows read per query when loading records by id (SQLite limits bound parameters).
CHUNK = 900

LINK_MODELS = {
    MEANS_OBJECTIVE: (MeansObjective, "means", "objective"),
    PRACTICE_OBJECTIVE: (PracticeObjective, "practice", "objective"),
    PRACTICE_MEANS: (PracticeMeans, "practice", "means"),
}
LINK_ENDS = {
    MEANS_OBJECTIVE: (RecordKind.MEANS, RecordKind.OBJECTIVE),
    PRACTICE_OBJECTIVE: (RecordKind.PRACTICE, RecordKind.OBJECTIVE),
    PRACTICE_MEANS: (RecordKind.PRACTICE, RecordKind.MEANS),
}
MODELS = {RecordKind.OBJECTIVE: Objective, RecordKind.MEANS: Means, RecordKind.PRACTICE: Practice}


class ImportRefused(Exception):
    """The file was read but has errors: nothing was written. ``preview`` says which."""

    def __init__(self, preview: ImportPreview):
        super().__init__(_("The file has errors: nothing was imported."))
        self.preview = preview


@dataclass
class Action:
    kind: str  # objective, means, practice, or one of LINK_KINDS
    verb: str  # create, update, skip
    label: str
    ref: str
    where: str
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    """What an import does (or did): counts per kind and verb, and the issues found."""

    format: str
    filename: str
    unit_code: str
    counts: dict[str, Counter] = field(default_factory=lambda: {CREATE: Counter(), UPDATE: Counter(), SKIP: Counter()})
    actions: list[Action] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    not_imported: dict[str, int] = field(default_factory=dict)
    done: bool = False

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def total(self, verb: str) -> int:
        return sum(self.counts[verb].values())

    def add(self, action: Action) -> None:
        self.counts[action.verb][action.kind] += 1
        if self.total(action.verb) <= LISTED_ACTIONS or action.verb == UPDATE:
            self.actions.append(action)

    def as_dict(self) -> dict[str, Any]:
        """JSON for ImportJob.summary and the API."""
        return {
            "format": self.format,
            "filename": self.filename,
            "unit": self.unit_code,
            "done": self.done,
            "counts": {verb: dict(counter) for verb, counter in self.counts.items()},
            "actions": [
                {"kind": a.kind, "verb": a.verb, "label": a.label, "ref": a.ref, "where": a.where, "changes": a.changes}
                for a in self.actions[: LISTED_ACTIONS * 3]
            ],
            "issues": [i.as_dict() for i in self.issues],
            "not_imported": self.not_imported,
        }

    def lines(self) -> list[str]:
        """The summary as text, for the command line."""
        kinds = kind_labels()
        out = []
        for verb, title in ((CREATE, _("Created")), (UPDATE, _("Updated")), (SKIP, _("Unchanged (already there)"))):
            counter = self.counts[verb]
            detail = ", ".join(f"{kinds[k]}: {counter[k]}" for k in kinds if counter[k])
            out.append(f"{title}: {self.total(verb)}" + (f" ({detail})" if detail else ""))
        for action in self.actions:
            if action.verb == UPDATE:
                out.append(f"  {kinds[action.kind]} {action.label} ({action.where}): {', '.join(action.changes)}")
        if self.not_imported:
            out.append(
                _("Not imported (no record stands for these types): %(count)d")
                % {"count": sum(self.not_imported.values())}
            )
            out.extend(f"  {name}: {count}" for name, count in sorted(self.not_imported.items()))
        for issue in self.issues:
            level = _("Error") if issue.level == ERROR else _("Warning")
            out.append(f"{level}: {issue.where}: {issue.message}")
        return out


def kind_labels() -> dict[str, str]:
    return {
        RecordKind.OBJECTIVE: _("objectives"),
        RecordKind.MEANS: _("means"),
        RecordKind.PRACTICE: _("practices"),
        MEANS_OBJECTIVE: _("means → objective links"),
        PRACTICE_OBJECTIVE: _("practice → objective links"),
        PRACTICE_MEANS: _("practice → means links"),
    }


# --- Entry points ----------------------------------------------------------------------


def preview_import(data, *, filename: str | None = None, format: str = "auto", unit: Unit, by) -> ImportPreview:
    """What importing ``data`` into ``unit`` would do; writes nothing. See the module docstring."""
    data, filename = _bytes(data, filename)
    document, fmt = read_document(data, filename=filename, format=format)
    return _plan(document, fmt=fmt, filename=filename, unit=unit, by=by).preview


def run_import(
    data,
    *,
    filename: str | None = None,
    format: str = "auto",
    unit: Unit,
    by,
    job: ImportJob | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportPreview:
    """Import ``data`` into ``unit``, all or nothing. See the module docstring."""
    report = progress or (lambda percent: None)
    data, filename = _bytes(data, filename)
    document, fmt = read_document(data, filename=filename, format=format)
    report(20)
    with transaction.atomic():
        _lock_imports(unit)
        plan = _plan(document, fmt=fmt, filename=filename, unit=unit, by=by)
        if not plan.preview.ok:
            raise ImportRefused(plan.preview)
        report(40)
        _apply(plan, by=by, job=job, report=report)
        plan.preview.done = True
        if by is not None:
            _notify(by, plan.preview, job)
    report(100)
    return plan.preview


def _bytes(data, filename: str | None) -> tuple[bytes, str]:
    """``data`` may be bytes or an open file (an upload): its name is the default file name."""
    if not isinstance(data, bytes | bytearray | memoryview):
        name = getattr(data, "name", None)
        if hasattr(data, "seek"):
            data.seek(0)
        data, filename = data.read(), filename or (str(name).rsplit("/", 1)[-1] if name else None)
    return bytes(data), (filename or "").replace("\x00", "")


def read_document(data: bytes, *, filename: str, format: str) -> tuple[StrategyDocument, str]:
    fmt = formats.detect(data, filename) if format == "auto" else format
    reader = formats.READERS.get(fmt)
    if reader is None:
        raise ImportFileError(_("Unknown format “%(format)s”.") % {"format": format})
    return reader(data, filename), fmt


def _lock_imports(unit: Unit) -> None:
    # Two imports of the same file into the same unit at once would both plan "create";
    # the unique mapping would refuse the second, but with an error instead of "nothing
    # to do". PostgreSQL serialises them per unit; SQLite serialises every writer anyway.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7419010, unit.pk])


# --- Planning (reads only) -------------------------------------------------------------


@dataclass
class _Planned:
    kind: str
    row: Any
    action: Action
    unit_id: int
    owner_id: int | None
    existing: Any = None
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Plan:
    preview: ImportPreview
    unit: Unit
    records: dict[str, dict[str, _Planned]]  # kind -> ref -> planned
    objective_order: list[str]
    links: list[tuple[str, LinkRow, Any, Any, str]]  # kind, row, source, target (planned or record), rationale
    existing: dict[str, dict[str, Any]] = field(default_factory=dict)


def _without_nul(document: StrategyDocument) -> None:
    """PostgreSQL text cannot hold a NUL byte (SQLite can): a CSV cell with one would fail
    the whole import at the database. Nobody means one; they are dropped."""
    for rows in (document.objectives, document.means, document.practices, document.links):
        for row in rows:
            for name, value in vars(row).items():
                if isinstance(value, str) and "\x00" in value:
                    setattr(row, name, value.replace("\x00", ""))
    # The issues end up in a JSON column, which PostgreSQL refuses with a NUL in it too.
    document.issues = [
        Issue(issue.level, issue.where.replace("\x00", ""), issue.message.replace("\x00", ""))
        for issue in document.issues
    ]


def _plan(document: StrategyDocument, *, fmt: str, filename: str, unit: Unit, by) -> _Plan:
    _without_nul(document)
    preview = ImportPreview(
        format=fmt, filename=filename, unit_code=unit.code, not_imported=dict(document.not_imported)
    )
    preview.issues.extend(document.issues)
    if by is not None and not roles.can_lead_unit(by, unit.pk):
        raise PermissionDenied(_("Only an executive of this unit (or of a unit above it) can import into it."))
    rows = {
        RecordKind.OBJECTIVE: document.objectives,
        RecordKind.MEANS: document.means,
        RecordKind.PRACTICE: document.practices,
    }
    units = _units(rows, unit=unit, by=by, preview=preview)
    owners = _owners(rows, preview=preview)
    existing = {kind: _existing(kind, unit) for kind in rows}
    plan = _Plan(
        preview=preview, unit=unit, records={k: {} for k in rows}, objective_order=[], links=[], existing=existing
    )

    for kind, kind_rows in rows.items():
        seen: dict[str, str] = {}
        for row in kind_rows:
            if row.ref in seen:
                preview.issues.append(
                    Issue(
                        WARNING,
                        row.where,
                        _("The identifier “%(ref)s” is used twice (also at %(other)s): this one is skipped.")
                        % {"ref": row.ref, "other": seen[row.ref]},
                    )
                )
                continue
            seen[row.ref] = row.where
            if len(row.ref) > REF_LIMIT:
                preview.issues.append(
                    Issue(
                        ERROR,
                        row.where,
                        _("The identifier is longer than %(limit)d characters.") % {"limit": REF_LIMIT},
                    )
                )
                continue
            planned = _plan_record(
                kind, row, units=units, owners=owners, unit=unit, existing=existing[kind], preview=preview
            )
            if planned is not None:
                plan.records[kind][row.ref] = planned

    plan.objective_order = _order_objectives(plan, existing[RecordKind.OBJECTIVE], preview)
    for kind in (RecordKind.OBJECTIVE, RecordKind.MEANS, RecordKind.PRACTICE):
        for planned in plan.records[kind].values():
            preview.add(planned.action)
    _plan_links(document.links, plan, existing)
    preview.issues.sort(key=lambda issue: issue.level != ERROR)
    return plan


def _units(rows, *, unit: Unit, by, preview: ImportPreview) -> dict[str | None, Unit | None]:
    codes = {row.unit_code for kind_rows in rows.values() for row in kind_rows if row.unit_code}
    found = {u.code: u for u in Unit.objects.filter(code__in=codes)} if codes else {}
    allowed = None if by is None else roles.executive_unit_ids(by)
    units: dict[str | None, Unit | None] = {None: unit}
    for code in codes:
        target = found.get(code)
        units[code] = target if target is not None and (allowed is None or target.pk in allowed) else None
    return units


def _owners(rows, *, preview: ImportPreview) -> dict[str, int | None]:
    names = {row.owner.strip() for kind_rows in rows.values() for row in kind_rows if row.owner and row.owner.strip()}
    if not names:
        return {}
    user_model = get_user_model()
    lowered = {name.lower() for name in names}
    people = (
        user_model.objects.annotate(email_lower=Lower("email"))
        .filter(Q(email_lower__in=lowered) | Q(**{f"{user_model.USERNAME_FIELD}__in": names}), is_active=True)
        .values_list("pk", "email_lower", user_model.USERNAME_FIELD)
    )
    by_name: dict[str, int | None] = {}
    for pk, email, username in people:
        by_name.setdefault(email, pk)
        by_name.setdefault(username, pk)
    return {name: by_name.get(name.lower(), by_name.get(name)) for name in names}


def _existing(kind: str, unit: Unit) -> dict[str, Any]:
    """External id → record already imported into ``unit``: two queries, whatever the size."""
    column = f"{kind}_id"
    ids = dict(ImportedRecord.objects.filter(unit=unit, kind=kind).values_list("external_id", column))
    model = MODELS[kind]
    records: dict[int, Any] = {}
    pks = list(ids.values())
    for start in range(0, len(pks), CHUNK):
        records.update(model.objects.in_bulk(pks[start : start + CHUNK]))
    return {ref: records[pk] for ref, pk in ids.items() if pk in records}


def _plan_record(kind, row, *, units, owners, unit, existing, preview) -> _Planned | None:
    where = row.where
    name_field = "title" if kind == RecordKind.OBJECTIVE else "name"
    name = one_line(getattr(row, name_field))
    if not name:
        preview.issues.append(Issue(ERROR, where, _("A name is required.")))
        return None
    if len(name) > NAME_LIMIT:
        preview.issues.append(
            Issue(
                WARNING,
                where,
                _("The name is longer than %(limit)d characters: it is cut to “%(name)s”.")
                % {"limit": NAME_LIMIT, "name": clip(name, NAME_LIMIT)},
            )
        )
        name = clip(name, NAME_LIMIT)
    target_unit = units.get(row.unit_code) if row.unit_code else unit
    if target_unit is None:
        preview.issues.append(
            Issue(ERROR, where, _("No unit you lead has the code “%(code)s”.") % {"code": row.unit_code})
        )
        return None
    owner_id = None
    if row.owner and row.owner.strip():
        owner_id = owners.get(row.owner.strip())
        if owner_id is None:
            preview.issues.append(
                Issue(
                    WARNING,
                    where,
                    _("Nobody active is called or has the e-mail “%(owner)s”: imported without an owner.")
                    % {"owner": row.owner.strip()},
                )
            )
    values: dict[str, Any] = {name_field: name, "unit_id": target_unit.pk}
    if row.owner:
        values["owner_id"] = owner_id
    if kind == RecordKind.OBJECTIVE:
        values["statement"] = (row.statement or "").strip() or _("No statement in the imported file.")
        if row.starts_on and row.ends_on and row.ends_on < row.starts_on:
            preview.issues.append(Issue(ERROR, where, _("The end of the horizon cannot come before its start.")))
            return None
        if row.starts_on or existing.get(row.ref) is None:
            values["starts_on"] = row.starts_on
        if row.ends_on or existing.get(row.ref) is None:
            values["ends_on"] = row.ends_on
        values["status"] = _status(row, ObjectiveStatus, ObjectiveStatus.ACTIVE, preview)
    elif kind == RecordKind.MEANS:
        values["description"] = (row.description or "").strip()
        if row.kind not in MeansKind.values:
            preview.issues.append(
                Issue(
                    ERROR,
                    where,
                    _("Unknown kind of means “%(kind)s”: technical or organisational.") % {"kind": row.kind},
                )
            )
            return None
        values["kind"] = row.kind
        url = (row.url or "").strip()
        if url:
            try:
                URLValidator()(url)
                if len(url) > URL_LIMIT:
                    raise ValidationError("too long")
            except ValidationError:
                preview.issues.append(
                    Issue(WARNING, where, _("“%(url)s” is not a web address: it is left out.") % {"url": clip(url, 80)})
                )
                url = ""
        values["url"] = url
        values["status"] = _status(row, MeansStatus, MeansStatus.ACTIVE, preview)
    else:
        values["description"] = (row.description or "").strip()
        values["status"] = _status(row, PracticeStatus, PracticeStatus.ACTIVE, preview)
    record = existing.get(row.ref)
    if record is None:
        values.setdefault("owner_id", None)
        verb, changes = CREATE, []
    else:
        if not row.status:
            values.pop("status")
        changes = [name for name, value in values.items() if getattr(record, name) != value]
        verb = UPDATE if changes else SKIP
    action = Action(
        kind=kind, verb=verb, label=name, ref=row.ref, where=where, changes=[c.removesuffix("_id") for c in changes]
    )
    return _Planned(
        kind=kind, row=row, action=action, unit_id=target_unit.pk, owner_id=owner_id, existing=record, values=values
    )


def _status(row, choices, default, preview) -> str:
    status = (row.status or "").strip().lower()
    if not status:
        return default
    if status not in choices.values:
        preview.issues.append(
            Issue(
                WARNING,
                row.where,
                _("Unknown status “%(status)s”: “%(default)s” is used.") % {"status": row.status, "default": default},
            )
        )
        return default
    return status


def _order_objectives(plan: _Plan, existing: dict[str, Objective], preview: ImportPreview) -> list[str]:
    """Parents first; a parent missing from the file and from earlier imports, or one that
    would close a loop, leaves the objective a strategic root with a warning."""
    planned = plan.records[RecordKind.OBJECTIVE]
    parent_of: dict[str, str | None] = {}
    for ref, item in planned.items():
        parent_ref = item.row.parent_ref
        if parent_ref and parent_ref not in planned and parent_ref not in existing:
            preview.issues.append(
                Issue(
                    WARNING,
                    item.row.where,
                    _(
                        "The parent “%(parent)s” is neither in the file nor imported before: "
                        "this objective becomes a strategic root."
                    )
                    % {"parent": parent_ref},
                )
            )
            parent_ref = None
        if parent_ref == ref:
            parent_ref = None
        parent_of[ref] = parent_ref
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 placed
    for start in planned:
        stack = [start]
        while stack:
            ref = stack[-1]
            if state.get(ref) == 2:
                stack.pop()
                continue
            state[ref] = 1
            above = parent_of.get(ref)
            if above in planned and state.get(above) != 2:
                if state.get(above) == 1:
                    preview.issues.append(
                        Issue(
                            WARNING,
                            planned[ref].row.where,
                            _(
                                "Its parent “%(parent)s” sits under it: "
                                "the loop is cut here and it becomes a strategic root."
                            )
                            % {"parent": above},
                        )
                    )
                    parent_of[ref] = None
                else:
                    stack.append(above)
                    continue
            state[ref] = 2
            order.append(ref)
            stack.pop()
    for ref, item in planned.items():
        above = parent_of[ref]
        item.values["parent_ref"] = above
        if item.existing is None:
            continue
        if above is None:
            changed = item.existing.parent_id is not None
        elif above in planned:
            parent = planned[above].existing
            changed = parent is None or parent.pk != item.existing.parent_id
        else:
            changed = existing[above].pk != item.existing.parent_id
        if changed:
            item.action.changes.append("parent")
            item.action.verb = UPDATE
    return order


def _plan_links(links: Iterable[LinkRow], plan: _Plan, existing: dict[str, dict[str, Any]]) -> None:
    preview = plan.preview
    pairs: dict[str, set[tuple[int, int]]] = {}
    wanted: dict[str, list[tuple[LinkRow, Any, Any]]] = defaultdict(list)
    seen: set[tuple[str, str, str]] = set()
    for row in links:
        key = (row.kind, row.source_ref, row.target_ref)
        if key in seen:
            continue
        seen.add(key)
        source_kind, target_kind = LINK_ENDS[row.kind]
        ends = []
        for kind, ref in ((source_kind, row.source_ref), (target_kind, row.target_ref)):
            end = plan.records[kind].get(ref) or existing[kind].get(ref)
            ends.append(end)
        if None in ends:
            missing = row.source_ref if ends[0] is None else row.target_ref
            preview.issues.append(
                Issue(
                    WARNING,
                    row.where,
                    _("The link names “%(ref)s”, which is neither imported here nor before: it is skipped.")
                    % {"ref": missing},
                )
            )
            continue
        wanted[row.kind].append((row, *ends))
    for kind, items in wanted.items():
        model, source_field, target_field = LINK_MODELS[kind]
        known = [(_pk(s), _pk(t)) for _row, s, t in items if _pk(s) and _pk(t)]
        found: set[tuple[int, int]] = set()
        sources = sorted({s for s, _t in known})
        for start in range(0, len(sources), CHUNK):
            found.update(
                model.objects.filter(**{f"{source_field}_id__in": sources[start : start + CHUNK]}).values_list(
                    f"{source_field}_id", f"{target_field}_id"
                )
            )
        pairs[kind] = found
        for row, source, target in items:
            label = f"{_label(source)} → {_label(target)}"
            verb = SKIP if (_pk(source), _pk(target)) in found else CREATE
            preview.add(
                Action(kind=kind, verb=verb, label=label, ref=f"{row.source_ref} → {row.target_ref}", where=row.where)
            )
            if verb == CREATE:
                rationale = clip(one_line(row.rationale) or _("Imported link"), RATIONALE_LIMIT)
                plan.links.append((kind, row, source, target, rationale))


def _pk(end) -> int | None:
    if isinstance(end, _Planned):
        return end.existing.pk if end.existing is not None else None
    return end.pk


def _label(end) -> str:
    if isinstance(end, _Planned):
        return end.action.label
    return str(end)


# --- Writing ---------------------------------------------------------------------------


def _apply(plan: _Plan, *, by, job: ImportJob | None, report: Callable[[int], None]) -> None:
    now = timezone.now()
    touched: dict[str, set[int]] = {
        "practice_ids": set(),
        "means_ids": set(),
        "objective_ids": set(),
        "moved_objective_ids": set(),
    }
    records = plan.records

    # New objectives level by level, so each level's parents already have their ids.
    created_objectives = [ref for ref in plan.objective_order if records[RecordKind.OBJECTIVE][ref].existing is None]
    pending = created_objectives
    while pending:
        level, later = [], []
        for ref in pending:
            above = records[RecordKind.OBJECTIVE][ref].values["parent_ref"]
            parent_item = records[RecordKind.OBJECTIVE].get(above) if above else None
            if parent_item is None or parent_item.existing is not None:
                level.append(ref)
            else:
                later.append(ref)
        objs = []
        for ref in level:
            item = records[RecordKind.OBJECTIVE][ref]
            values = {k: v for k, v in item.values.items() if k != "parent_ref"}
            above = item.values["parent_ref"]
            parent = _record(records, RecordKind.OBJECTIVE, above, plan) if above else None
            objs.append(Objective(parent=parent, created_at=now, updated_at=now, **values))
        _bulk(Objective, objs, by)
        for ref, obj in zip(level, objs, strict=True):
            records[RecordKind.OBJECTIVE][ref].existing = obj
            touched["moved_objective_ids"].add(obj.pk)
        if not level:  # unreachable once _order_objectives cut the loops; never spin
            break
        pending = later
    report(60)

    for kind, model, key in ((RecordKind.MEANS, Means, "means_ids"), (RecordKind.PRACTICE, Practice, "practice_ids")):
        new = [item for item in records[kind].values() if item.existing is None]
        objs = [model(created_at=now, updated_at=now, **item.values) for item in new]
        _bulk(model, objs, by)
        for item, obj in zip(new, objs, strict=True):
            item.existing = obj
            touched[key].add(obj.pk)
    report(75)

    # Updates go through save(): there are few, and the history and the live path see them.
    for kind in (RecordKind.OBJECTIVE, RecordKind.MEANS, RecordKind.PRACTICE):
        for item in records[kind].values():
            if item.existing is None or item.action.verb != UPDATE:
                continue
            record = item.existing
            for name, value in item.values.items():
                if name != "parent_ref":
                    setattr(record, name, value)
            if kind == RecordKind.OBJECTIVE:
                above = item.values.get("parent_ref")
                record.parent = _record(records, RecordKind.OBJECTIVE, above, plan) if above else None
            record.version += 1
            record._history_user = by
            record.save()

    mapping_rows = [
        (plan.unit.pk, kind, item.row.ref, job.pk if job is not None else None, *_targets(kind, item.existing.pk))
        for kind in (RecordKind.OBJECTIVE, RecordKind.MEANS, RecordKind.PRACTICE)
        for item in records[kind].values()
        if item.action.verb == CREATE
    ]
    mapping_columns = ["unit_id", "kind", "external_id", "job_id", "objective_id", "means_id", "practice_id"]
    _insert(ImportedRecord, mapping_columns, mapping_rows)

    by_kind: dict[str, list[tuple]] = defaultdict(list)
    by_pk = by.pk if by is not None else None
    for kind, _row, source, target, rationale in plan.links:
        source_field = LINK_MODELS[kind][1]
        source_pk, target_pk = _pk(source), _pk(target)
        by_kind[kind].append((source_pk, target_pk, rationale, by_pk, now))
        if source_field == "practice":
            touched["practice_ids"].add(source_pk)
        else:
            touched["means_ids"].add(source_pk)
        if LINK_MODELS[kind][2] == "objective":
            touched["objective_ids"].add(target_pk)
    for kind, rows in by_kind.items():
        model, source_field, target_field = LINK_MODELS[kind]
        # Links carry who, when and why themselves; like every bulk load they get no
        # history row (history readers accept an empty history, see PITFALLS).
        _insert(model, [f"{source_field}_id", f"{target_field}_id", "rationale", "created_by_id", "created_at"], rows)
    report(90)
    # Bulk writes send no signals: tell the live path what changed, so the engine
    # re-checks it (or sweeps, for a large import) once this transaction commits.
    live.touch(**{key: sorted(ids) for key, ids in touched.items()})


def _record(records, kind: str, ref: str, plan: _Plan):
    item = records[kind].get(ref)
    if item is not None:
        return item.existing
    return plan.existing[kind][ref]


def _targets(kind: str, pk: int) -> tuple:
    kinds = (RecordKind.OBJECTIVE, RecordKind.MEANS, RecordKind.PRACTICE)
    return tuple(pk if kind == other else None for other in kinds)


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Plain multi-row INSERTs: for rows whose ids nobody needs back, without building
    a model instance per row (at 20,000 links that is most of an import's time)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # As many rows a statement as the database takes parameters (SQLite: 999; PostgreSQL:
    # 65,535): at 20,000 links round trips are most of the time spent in PostgreSQL.
    batch = max(1, min(connection.ops.bulk_batch_size(columns, rows), 60_000 // len(columns)))
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            values = [adapt(v) if hasattr(v, "tzinfo") and hasattr(v, "hour") else v for row in chunk for v in row]
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([placeholders] * len(chunk))}",  # noqa: S608
                values,
            )


def _bulk(model, objs: list, by) -> None:
    if not objs:
        return
    model.objects.bulk_create(objs, batch_size=5000)
    history = getattr(model, "history", None)
    if history is not None:
        history.bulk_history_create(objs, batch_size=5000, default_user=by)


def _notify(by, preview: ImportPreview, job: ImportJob | None) -> None:
    created, updated = preview.total(CREATE), preview.total(UPDATE)
    message = ngettext(
        "Import of %(file)s done: %(created)d record or link created, %(updated)d updated.",
        "Import of %(file)s done: %(created)d records or links created, %(updated)d updated.",
        created,
    ) % {"file": clip(preview.filename, 80), "created": created, "updated": updated}
    if preview.warnings:
        message += " " + ngettext("%(count)d warning.", "%(count)d warnings.", len(preview.warnings)) % {
            "count": len(preview.warnings)
        }
    link = reverse("interop:import_detail", args=[job.pk]) if job is not None else ""
    Notification.objects.create(recipient=by, message=clip(message, 300), link=link)
