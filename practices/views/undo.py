"""What an unlink removed, kept so the page can offer to put it back once."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from raison.web import wants_region

_UNDO_SESSION_KEY = "practices_undo"


@dataclass(frozen=True)
class Undo:
    """What an unlink removed, as the hidden fields of a form that puts it back."""

    action_url: str
    field: str
    target_pk: int
    target_name: str
    rationale: str

    def remember(self, request: HttpRequest, subject: str, subject_pk: int) -> None:
        # Without JavaScript the unlink redirects; the page after the redirect offers the undo once.
        request.session[_UNDO_SESSION_KEY] = {"subject": subject, "subject_pk": subject_pk, **self.__dict__}

    @classmethod
    def recall(cls, request: HttpRequest, subject: str, subject_pk: int) -> dict[str, Undo]:
        if wants_region(request):
            return {}  # a region refresh must not use up the offer meant for the whole page
        stored = request.session.get(_UNDO_SESSION_KEY)
        if not stored or stored.get("subject") != subject or stored.get("subject_pk") != subject_pk:
            return {}
        del request.session[_UNDO_SESSION_KEY]
        undo = cls(**{k: v for k, v in stored.items() if k not in ("subject", "subject_pk")})
        return {f"{undo.field}_undo": undo}
