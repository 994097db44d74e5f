from django.urls import path

from funding import readiness_views, scheme_views, views

app_name = "funding"

urlpatterns = [
    path("runs/", views.RunListView.as_view(), name="runs"),
    path("runs/start/", views.RunStartView.as_view(), name="run_start"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="run_detail"),
    path("runs/<int:pk>/progress/", views.RunProgressView.as_view(), name="run_progress"),
    path("runs/<int:pk>/approve/", views.RunApproveView.as_view(), name="run_approve"),
    path("runs/<int:pk>/lines/", views.RunLinesView.as_view(), name="run_lines"),
    path("compare/<int:fy>/", views.CompareView.as_view(), name="compare"),
    path("schemes/", views.SchemeListView.as_view(), name="schemes"),
    path("readiness/", readiness_views.ReadinessView.as_view(), name="readiness"),
    path("schemes/<int:pk>/", views.SchemeDetailView.as_view(), name="scheme_detail"),
    path(
        "schemes/<int:pk>/history/",
        scheme_views.SchemeHistoryView.as_view(),
        name="scheme_history",
    ),
    path("schemes/<int:pk>/copy/", scheme_views.SchemeCopyView.as_view(), name="scheme_copy"),
    path(
        "schemes/<int:pk>/change/<slug:group>/",
        scheme_views.SchemeGroupChangeView.as_view(),
        name="scheme_change",
    ),
    path(
        "schemes/<int:pk>/hourly-rates/<int:row>/",
        scheme_views.HourlyRateChangeView.as_view(),
        name="scheme_hourly_rate",
    ),
    path(
        "schemes/<int:pk>/ta-bands/<int:row>/",
        scheme_views.TaBandChangeView.as_view(),
        name="scheme_ta_band",
    ),
    path(
        "schemes/<int:pk>/sen-factors/<int:row>/",
        scheme_views.SenFactorChangeView.as_view(),
        name="scheme_sen_factor",
    ),
    path("schools/<int:urn>/", views.SchoolStatementsView.as_view(), name="school_statements"),
    path(
        "schools/<int:urn>/statement/<int:fy>/",
        views.StatementView.as_view(),
        name="statement",
    ),
]
