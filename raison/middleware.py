"""Response headers every page needs, whichever app renders it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class PrivateNoStoreMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in person.

    Without it a browser keeps signed-in pages in its back/forward cache and on disk:
    after signing out, the back button showed the last page again, flags and names
    included, to whoever sits at the computer next. Shared caches must never keep them
    either. Anonymous responses (the sign-in page, static files) are left as they are.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Read before the view runs: signing out inside the view makes request.user
        # anonymous, yet that response still belongs to a signed-in session.
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        response = self.get_response(request)
        if signed_in:
            patch_cache_control(response, private=True, no_store=True)
        return response
