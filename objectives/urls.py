from django.urls import path

from objectives import key_result_views, views

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
    path("<int:pk>/key-results/new/", key_result_views.key_result_new, name="key_result_new"),
    path("key-results/<int:pk>/", key_result_views.key_result_detail, name="key_result_detail"),
    path("key-results/<int:pk>/edit/", key_result_views.key_result_edit, name="key_result_edit"),
    path("key-results/<int:pk>/delete/", key_result_views.key_result_delete, name="key_result_delete"),
    path("key-results/<int:pk>/check-in/", key_result_views.key_result_check_in, name="key_result_check_in"),
]
