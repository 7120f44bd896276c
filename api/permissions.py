"""Who may call the API at all. What each person may change is decided by the services (org.roles)."""

from rest_framework.permissions import BasePermission


class IsActiveMember(BasePermission):
    """Signed in (session or token) and active: the same bar as reading any page."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)
