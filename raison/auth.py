"""Sign-in forms that refuse an impossible user name before django-axes records it.

django-axes writes the attempted user name of every failed sign-in into
``AccessAttempt.username``, a ``varchar(255)``: on PostgreSQL a longer name was a 500.
Django's ``AuthenticationForm`` sets the field's ``max_length`` after the field is built,
so the length is never validated, and the form calls ``authenticate()`` (whose failure
signal is what axes listens to) with whatever was posted. These forms validate the
length, so ``authenticate()`` is never called with a name no account can have, and
:func:`axes_username` makes sure axes itself never stores more than its column holds,
whichever way it reads the name.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

#: The width of django-axes' ``AccessAttempt.username`` column.
AXES_USERNAME_LENGTH = 255


def username_max_length() -> int:
    user_model = get_user_model()
    return user_model._meta.get_field(user_model.USERNAME_FIELD).max_length or 150


class _BoundedUsername:
    """Validates the user name's length (``AuthenticationForm`` only sets the attribute)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = username_max_length()
        field: forms.CharField = self.fields["username"]
        field.max_length = limit
        field.widget.attrs["maxlength"] = str(limit)
        field.validators.append(
            MaxLengthValidator(
                limit,
                message=_("No account has a user name this long: user names have at most %(limit_value)d characters."),
            )
        )


class SignInForm(_BoundedUsername, AuthenticationForm):
    pass


class AdminSignInForm(_BoundedUsername, AdminAuthenticationForm):
    pass


def axes_username(request, credentials: dict | None) -> str | None:
    """The user name django-axes records and locks on (``AXES_USERNAME_CALLABLE``).

    The same name axes would read (the credentials passed to ``authenticate()``, else the
    posted field), cut to what its column holds and without NUL, which PostgreSQL text
    cannot store. Names that long or with NUL match no account anyway.
    """
    if credentials:
        username = credentials.get("username")
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", None) or {}
        username = data.get("username")
    if username is None:
        return None
    return str(username).replace("\x00", "")[:AXES_USERNAME_LENGTH]
