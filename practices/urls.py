from django.urls import path

from practices import views

app_name = "practices"

urlpatterns = [
    # Practices
    path("", views.practice_list, name="practice_list"),
    path("new/", views.practice_create, name="practice_create"),
    path("<int:pk>/", views.practice_detail, name="practice_detail"),
    path("<int:pk>/edit/", views.practice_edit, name="practice_edit"),
    path("<int:pk>/status/", views.practice_status, name="practice_status"),
    path("<int:pk>/retire/", views.practice_retire, name="practice_retire"),
    path("<int:pk>/practise/", views.practise, name="practise"),
    path("<int:pk>/audience/", views.practice_audience, name="practice_audience"),
    path("<int:pk>/objectives/link/", views.practice_link_objective, name="practice_link_objective"),
    path(
        "<int:pk>/objectives/<int:objective_pk>/unlink/",
        views.practice_unlink_objective,
        name="practice_unlink_objective",
    ),
    path("<int:pk>/objectives/undo/", views.practice_undo_unlink_objective, name="practice_undo_unlink_objective"),
    path("<int:pk>/means/link/", views.practice_link_means, name="practice_link_means"),
    path("<int:pk>/means/<int:means_pk>/unlink/", views.practice_unlink_means, name="practice_unlink_means"),
    path("<int:pk>/means/undo/", views.practice_undo_unlink_means, name="practice_undo_unlink_means"),
    # Proposals
    path("proposals/", views.proposals, name="proposals"),
    path("proposals/new/", views.propose, name="propose"),
    path("proposals/<int:pk>/adopt/", views.adopt, name="adopt"),
    path("proposals/<int:pk>/decline/", views.decline, name="decline"),
    # Means
    path("means/", views.means_list, name="means_list"),
    path("means/new/", views.means_create, name="means_create"),
    path("means/<int:pk>/", views.means_detail, name="means_detail"),
    path("means/<int:pk>/edit/", views.means_edit, name="means_edit"),
    path("means/<int:pk>/status/", views.means_status, name="means_status"),
    path("means/<int:pk>/audience/", views.means_audience, name="means_audience"),
    path("means/<int:pk>/objectives/link/", views.means_link_objective, name="means_link_objective"),
    path(
        "means/<int:pk>/objectives/<int:objective_pk>/unlink/",
        views.means_unlink_objective,
        name="means_unlink_objective",
    ),
    path("means/<int:pk>/objectives/undo/", views.means_undo_unlink_objective, name="means_undo_unlink_objective"),
    # Search as you type for the means link form (objectives use objectives:search)
    path("search/means/", views.means_search, name="means_search"),
]
