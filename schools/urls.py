from django.urls import path

from schools import import_views

app_name = "schools"

urlpatterns = [
    path("import/", import_views.ImportView.as_view(), name="import"),
]
