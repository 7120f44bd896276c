"""Who may do what where: roles are per unit, and managing rights cover the subtree.

Every service and view asks these functions; nothing else reads memberships to
decide a right. Results are memoised on the user object for the request, and kept in
the page cache between requests until a membership or a unit changes, so a page asking
many times costs two queries at most, and usually none.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from org.models import MANAGING_ROLES, Membership, Role, Unit
from raison import pagecache

_CACHE_ATTR = "_raison_rights"


class _Rights:
    __slots__ = ("executive_units", "managed_units", "member_units")

    def __init__(self, managed_units: frozenset[int], executive_units: frozenset[int], member_units: frozenset[int]):
        self.managed_units = managed_units
        self.executive_units = executive_units
        self.member_units = member_units


def _rights(user) -> _Rights:
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        rights = _Rights(frozenset(), frozenset(), frozenset())
    elif user.is_superuser:
        every = frozenset(Unit.objects.values_list("pk", flat=True))
        rights = _Rights(every, every, every)
    else:
        rights = _kept_rights(user)
    setattr(user, _CACHE_ATTR, rights)
    return rights


def _kept_rights(user) -> _Rights:
    """A person's rights, read on every request: kept in the page cache until memberships or
    units change (any write to them starts a new generation, see raison.pagecache)."""
    return pagecache.kept(user, "rights", [user.pk], lambda: _read_rights(user))


def _read_rights(user) -> _Rights:
    memberships = list(Membership.objects.filter(user=user).values_list("unit_id", "role"))
    managing_roots = {unit for unit, role in memberships if role in MANAGING_ROLES}
    executive_roots = {unit for unit, role in memberships if role == Role.EXECUTIVE}
    managed = _subtree(managing_roots)
    # Executives manage too: most often from the same units, one subtree read serves both.
    executive = managed if executive_roots == managing_roots else _subtree(executive_roots)
    return _Rights(managed, executive, frozenset(unit for unit, _role in memberships))


def _subtree(roots: set[int]) -> frozenset[int]:
    if not roots:
        return frozenset()
    return frozenset(Unit.objects.subtree_of(roots).values_list("pk", flat=True))


def forget_rights(user) -> None:
    """Drop the memoised rights (after memberships change within one request or test)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def managed_unit_ids(user) -> frozenset[int]:
    """Units where ``user`` may manage: their managing memberships' subtrees."""
    return _rights(user).managed_units


def executive_unit_ids(user) -> frozenset[int]:
    """Units where ``user`` may set strategic objectives."""
    return _rights(user).executive_units


def is_executive(user) -> bool:
    return bool(_rights(user).executive_units)


def is_manager(user) -> bool:
    """Manages somewhere (an executive counts)."""
    return bool(_rights(user).managed_units)


def can_manage_unit(user, unit_id: int | None) -> bool:
    return unit_id is not None and unit_id in _rights(user).managed_units


def can_lead_unit(user, unit_id: int | None) -> bool:
    return unit_id is not None and unit_id in _rights(user).executive_units


def require_manager(user, unit_id: int | None) -> None:
    if not can_manage_unit(user, unit_id):
        raise PermissionDenied(_("Only a manager of this unit (or of a unit above it) can do this."))


def require_executive(user, unit_id: int | None) -> None:
    if not can_lead_unit(user, unit_id):
        raise PermissionDenied(
            _("Only an executive of this unit (or of a unit above it) can set strategic objectives.")
        )


def require_member(user) -> None:
    """Anyone signed in and active may read and propose; this refuses only the inactive."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied(_("Please sign in first."))


def member_unit_ids(user) -> frozenset[int]:
    """Units where ``user`` holds a membership, whatever the role."""
    return _rights(user).member_units


def home_unit_id(user) -> int | None:
    """The unit a person's bottom-up proposals belong to by default."""
    members = _rights(user).member_units
    return min(members) if members else None


def display_role(user) -> str:
    if getattr(user, "is_superuser", False):
        return str(_("Administrator"))
    if is_executive(user):
        return str(Role.EXECUTIVE.label)
    if is_manager(user):
        return str(Role.MANAGER.label)
    return str(Role.EMPLOYEE.label)
