from django.urls import path

from funding.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("<int:fy>/initial/", views.InitialReportView.as_view(), name="initial"),
    path("<int:fy>/final/", views.FinalReportView.as_view(), name="final"),
    path("<int:fy>/final/<int:urn>/", views.SchoolFinalReportView.as_view(), name="final_school"),
    path("<int:fy>/governors/<int:urn>/", views.GovernorsReportView.as_view(), name="governors"),
    path("<int:fy>/budget/", views.BudgetView.as_view(), name="budget"),
    path("<int:fy>/budget/snapshot/", views.BudgetSnapshotView.as_view(), name="budget_snapshot"),
    path("<int:fy>/cross-border/", views.CrossBorderView.as_view(), name="cross_border"),
    path(
        "<int:fy>/cross-border/<str:la_code>/<str:direction>/",
        views.CrossBorderStatementView.as_view(),
        name="cross_border_statement",
    ),
    path("<int:fy>/import-export/", views.ImportExportView.as_view(), name="import_export"),
    path("<int:fy>/per-school/", views.AnnexBView.as_view(), name="annex_b"),
    path("<int:fy>/per-school/publish/", views.PublishView.as_view(), name="publish"),
    path("published/", views.PublicIndexView.as_view(), name="public_index"),
    path("published/<int:fy>/", views.PublicStatementView.as_view(), name="public_statement"),
]
