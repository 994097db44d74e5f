from django.urls import path

from schools import import_views, views

app_name = "schools"

urlpatterns = [
    path("", views.SchoolListView.as_view(), name="list"),
    path("mine/", views.MySchoolsView.as_view(), name="mine"),
    path("import/", import_views.ImportView.as_view(), name="import"),
    path("<int:urn>/", views.SchoolDetailView.as_view(), name="detail"),
]
