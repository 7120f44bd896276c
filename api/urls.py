"""The REST API under /api/: an OpenAPI 3 document, Swagger UI, and one route per resource."""

from django.http import JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _

from api.views import docs, flags, key_results, links, objectives, practices

app_name = "api"


def not_found(request, rest: str = ""):
    # Anything else under /api/ (a negative id, a typo) answers in JSON like the API, not with the HTML 404 page.
    return JsonResponse({"detail": _("Not found.")}, status=404)


urlpatterns = [
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.DocsView.as_view(), name="docs"),
    path("objectives/", objectives.ObjectiveList.as_view(), name="objective_list"),
    path("objectives/<int:pk>/", objectives.ObjectiveDetail.as_view(), name="objective_detail"),
    path("objectives/<int:pk>/status/", objectives.ObjectiveStatusChange.as_view(), name="objective_status"),
    path("objectives/<int:pk>/key-results/", key_results.ObjectiveKeyResults.as_view(), name="objective_key_results"),
    path("key-results/<int:pk>/", key_results.KeyResultDetail.as_view(), name="key_result_detail"),
    path("key-results/<int:pk>/check-ins/", key_results.KeyResultCheckIns.as_view(), name="key_result_check_ins"),
    path("means/", practices.MeansList.as_view(), name="means_list"),
    path("means/<int:pk>/", practices.MeansDetail.as_view(), name="means_detail"),
    path("means/<int:pk>/status/", practices.MeansStatusChange.as_view(), name="means_status"),
    path("means/<int:pk>/trace/", practices.MeansTrace.as_view(), name="means_trace"),
    path("means/<int:pk>/objectives/", links.MeansObjectiveLinks.as_view(), name="means_objectives"),
    path(
        "means/<int:pk>/objectives/<int:target_pk>/",
        links.MeansObjectiveUnlink.as_view(),
        name="means_objective_unlink",
    ),
    path("practices/", practices.PracticeList.as_view(), name="practice_list"),
    path("practices/proposals/", practices.PracticePropose.as_view(), name="practice_propose"),
    path("practices/<int:pk>/", practices.PracticeDetail.as_view(), name="practice_detail"),
    path("practices/<int:pk>/adopt/", practices.PracticeAdopt.as_view(), name="practice_adopt"),
    path("practices/<int:pk>/decline/", practices.PracticeDecline.as_view(), name="practice_decline"),
    path("practices/<int:pk>/status/", practices.PracticeStatusChange.as_view(), name="practice_status"),
    path("practices/<int:pk>/trace/", practices.PracticeTrace.as_view(), name="practice_trace"),
    path("practices/<int:pk>/objectives/", links.PracticeObjectiveLinks.as_view(), name="practice_objectives"),
    path(
        "practices/<int:pk>/objectives/<int:target_pk>/",
        links.PracticeObjectiveUnlink.as_view(),
        name="practice_objective_unlink",
    ),
    path("practices/<int:pk>/means/", links.PracticeMeansLinks.as_view(), name="practice_means"),
    path(
        "practices/<int:pk>/means/<int:target_pk>/",
        links.PracticeMeansUnlink.as_view(),
        name="practice_means_unlink",
    ),
    path("flags/", flags.FlagList.as_view(), name="flag_list"),
    path("flags/<int:pk>/", flags.FlagDetail.as_view(), name="flag_detail"),
    path("flags/<int:pk>/acknowledge/", flags.FlagAcknowledge.as_view(), name="flag_acknowledge"),
    re_path(r"^(?P<rest>.*)$", not_found),
]
