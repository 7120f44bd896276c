from django.urls import path

from objectives import views

app_name = "objectives"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("list/", views.objective_list, name="list"),
    path("search/", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/children/", views.children, name="children"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/status/", views.change_status, name="status"),
    path("<int:pk>/reparent/", views.reparent, name="reparent"),
]
