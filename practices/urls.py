from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.generic import TemplateView

app_name = "practices"

# PLACEHOLDERS written by UI part A so base.html's navigation resolves; UI part B owns
# this file and replaces these with the real views (keep the three names).
_placeholder = login_required(TemplateView.as_view(template_name="base.html"))

urlpatterns: list = [
    path("means/", _placeholder, name="means_list"),
    path("", _placeholder, name="practice_list"),
    path("proposals/", _placeholder, name="proposals"),
]
