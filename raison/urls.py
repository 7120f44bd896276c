"""Root URLs: sign-in, the admin, health, and each app's pages."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from raison.auth import AdminSignInForm, SignInForm
from raison.health import healthz

# The admin's own sign-in page reaches django-axes the same way as ours.
admin.site.login_form = AdminSignInForm

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Only the sign-in, sign-out and password-change views: password resets by e-mail
    # belong to the organisation's identity provider, not to Raison.
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=SignInForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("api/", include("api.urls")),
    path("objectives/", include("objectives.urls")),
    path("practices/", include("practices.urls")),
    path("", include("interop.urls")),
    path("", include("alignment.urls")),
]
