"""Optimistic concurrency for records people edit in the browser.

Each editable record carries a ``version``. A save names the version the person
started from; the conditional UPDATE matches only that version, so when two people
edit the same record the second one is told, and nothing they typed is lost.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import F, Model
from django.utils.translation import gettext_lazy as _


class EditConflict(Exception):
    """The record changed since the person opened it."""

    message = _("This record was changed by someone else since you opened it. Review the current version below.")

    def __init__(self, current: Model | None = None):
        super().__init__(str(self.message))
        self.current = current


def save_versioned(instance: Model, *, expected_version: int | None, fields: list[str], by=None) -> None:
    """Save ``fields`` of ``instance`` only if its stored version is ``expected_version``.

    The conditional UPDATE is the check (no read-then-write race). History and the
    engine's change signals are fed by a regular ``save()`` afterwards, inside the
    caller's transaction, once the update is known to have won.
    """
    model = type(instance)
    if expected_version is not None:
        won = model._default_manager.filter(pk=instance.pk, version=expected_version).update(version=F("version") + 1)
        if not won:
            raise EditConflict(model._default_manager.filter(pk=instance.pk).first())
        instance.version = expected_version + 1
    else:
        # Bump from the stored version, not the in-memory one: a stale instance writing
        # its own ``version + 1`` could move the counter back and let an older form win.
        # The UPDATE holds the row's write lock until commit, so the re-read is ours.
        row = model._default_manager.filter(pk=instance.pk)
        if not row.update(version=F("version") + 1):
            raise EditConflict(None)
        instance.version = row.values_list("version", flat=True).get()
    if by is not None:
        instance._history_user = by
    instance.save(update_fields=[*fields, "version", "updated_at"])


def update_versioned(
    instance: Model,
    changes: dict,
    *,
    allowed: tuple[str, ...],
    by,
    expected_version: int | None,
    clean_exclude: tuple[str, ...] = (),
) -> None:
    """Apply a person's edit of ``allowed`` fields (text trimmed), validate it, save it versioned."""
    unknown = set(changes) - set(allowed)
    if unknown:
        # A programming error, not a person's: the forms only send editable fields.
        raise ValueError(f"{type(instance).__name__} edits cannot change {sorted(unknown)}")
    for name, value in changes.items():
        setattr(instance, name, value.strip() if isinstance(value, str) else value)
    instance.full_clean(exclude=list(clean_exclude))
    save_versioned(instance, expected_version=expected_version, fields=list(changes), by=by)


def set_status_versioned(instance: Model, status: str, *, by, expected_version: int | None) -> None:
    """Change a record's status to one of its field's choices, versioned like any edit."""
    if status not in dict(type(instance)._meta.get_field("status").choices):
        raise ValidationError({"status": _("Unknown status.")})
    instance.status = status
    save_versioned(instance, expected_version=expected_version, fields=["status"], by=by)


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the field it names, or at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
