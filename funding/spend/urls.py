from django.urls import path

from funding.spend import views

app_name = "spend"

urlpatterns = [
    path("", views.SpendListView.as_view(), name="index"),
    path("import/", views.SpendImportView.as_view(), name="import"),
    path("<int:fy>/<int:urn>/", views.SpendRecordView.as_view(), name="record"),
]
