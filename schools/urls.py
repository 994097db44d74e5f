from django.urls import path

from schools import import_views, la_data_views, views

app_name = "schools"

urlpatterns = [
    path("", views.SchoolListView.as_view(), name="list"),
    path("mine/", views.MySchoolsView.as_view(), name="mine"),
    path("import/", import_views.ImportView.as_view(), name="import"),
    path(
        "import/pupils-template.xlsx",
        import_views.PupilTemplateView.as_view(fmt="xlsx"),
        name="pupil_template_xlsx",
    ),
    path(
        "import/pupils-template.csv",
        import_views.PupilTemplateView.as_view(fmt="csv"),
        name="pupil_template_csv",
    ),
    path("import/<int:job_id>/", import_views.ImportJobView.as_view(), name="import_job"),
    path(
        "import/<int:job_id>/problems.csv",
        import_views.ImportJobProblemsView.as_view(),
        name="import_job_problems",
    ),
    path("setup/", la_data_views.SetupView.as_view(), name="setup"),
    path("users/invite/", la_data_views.SchoolUserInviteView.as_view(), name="school_user_invite"),
    path("data/<slug:kind>/", la_data_views.LADataImportView.as_view(), name="la_data_import"),
    path(
        "data/<slug:kind>/template.csv",
        la_data_views.LADataTemplateView.as_view(),
        name="la_data_template",
    ),
    path("<int:urn>/", views.SchoolDetailView.as_view(), name="detail"),
]
