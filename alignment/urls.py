from django.urls import path

from alignment import exports, question_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("flags/", views.flags_inbox, name="flags_inbox"),
    path("flags/bulk/", views.flags_bulk, name="flags_bulk"),
    path("flags/<int:pk>/", views.flag_detail, name="flag_detail"),
    path("flags/<int:pk>/acknowledge/", views.flag_acknowledge, name="flag_acknowledge"),
    path("flags/<int:pk>/link/", views.flag_link, name="flag_link"),
    path("flags/<int:pk>/retire/", views.flag_retire, name="flag_retire"),
    path("map/", views.strategy_map, name="strategy_map"),
    path("map/export.svg", views.strategy_map_svg, name="strategy_map_svg"),
    path("notifications/", views.notifications, name="notifications"),
    path("search/", views.site_search, name="search"),
    path("link/objective/<int:pk>/", views.objective_link_record, name="objective_link_record"),
    path("export/objectives.csv", exports.objectives_csv, name="export_objectives"),
    path("export/means.csv", exports.means_csv, name="export_means"),
    path("export/practices.csv", exports.practices_csv, name="export_practices"),
    path("export/flags.csv", exports.flags_csv, name="export_flags"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("questions/", question_views.question_list, name="questions"),
    path("questions/ask/", question_views.ask, name="question_ask"),
    path("questions/<int:pk>/", question_views.question_detail, name="question_detail"),
    path("questions/<int:pk>/answer/", question_views.question_answer, name="question_answer"),
]
