from django.urls import path

from funding.scenarios import views

app_name = "scenarios"

urlpatterns = [
    path("", views.ScenarioListView.as_view(), name="list"),
    path("<int:pk>/", views.ScenarioDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ScenarioEditView.as_view(), name="edit"),
    path("<int:pk>/run/", views.ScenarioRunView.as_view(), name="run"),
    path("<int:pk>/cost-neutral/", views.CostNeutralView.as_view(), name="cost_neutral"),
    path("runs/<int:pk>/compare/", views.CompareView.as_view(), name="compare"),
    path("runs/<int:pk>/pack.xlsx", views.ForumPackView.as_view(), name="pack"),
    path("jobs/<int:pk>/", views.RunJobView.as_view(), name="job"),
    path("<int:pk>/protection/", views.ProtectionView.as_view(), name="protection"),
    path("<int:pk>/adopt/", views.AdoptView.as_view(), name="adopt"),
    path("uplift/", views.UpliftView.as_view(), name="uplift"),
    path("adoptions/<int:pk>/", views.AdoptionView.as_view(), name="adoption"),
]
