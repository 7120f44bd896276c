from django.urls import path

from interop import views

app_name = "interop"

urlpatterns = [
    path("import/", views.imports, name="imports"),
    path("import/upload/", views.import_upload, name="import_upload"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("export/", views.export, name="export"),
]
