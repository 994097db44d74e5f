from django.urls import path

from funding.payments import views

app_name = "payments"

urlpatterns = [
    path("", views.PeriodListView.as_view(), name="index"),
    path("create/", views.PeriodsCreateView.as_view(), name="create"),
    path("<int:period>/", views.PeriodDetailView.as_view(), name="period"),
    path("<int:period>/generate/", views.PeriodGenerateView.as_view(), name="generate"),
    path("<int:period>/prepare/", views.PeriodPrepareView.as_view(), name="prepare"),
    path("<int:period>/approve/", views.PeriodApproveView.as_view(), name="approve"),
    path("<int:period>/schools/<int:urn>/", views.RemittanceView.as_view(), name="remittance"),
    path("schools/<int:urn>/", views.SchoolRemittancesView.as_view(), name="school"),
]
