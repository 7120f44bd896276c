from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from alignment import views
from alignment.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Only the sign-in, sign-out and password-change views: password resets by e-mail
    # belong to the organisation's identity provider, not to Raison.
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("objectives/", include("objectives.urls")),
    path("practices/", include("practices.urls")),
    path("", views.dashboard, name="dashboard"),
    path("flags/", views.flags_inbox, name="flags_inbox"),
    path("flags/<int:pk>/", views.flag_detail, name="flag_detail"),
    path("flags/<int:pk>/acknowledge/", views.flag_acknowledge, name="flag_acknowledge"),
    path("flags/<int:pk>/link/", views.flag_link, name="flag_link"),
    path("flags/<int:pk>/retire/", views.flag_retire, name="flag_retire"),
    path("map/", views.strategy_map, name="strategy_map"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
]
