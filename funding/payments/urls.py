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
    path(
        "<int:period>/schools/<int:urn>/pdf/",
        views.RemittancePdfView.as_view(),
        name="remittance_pdf",
    ),
    path("schools/<int:urn>/", views.SchoolRemittancesView.as_view(), name="school"),
    path("<int:period>/journal/", views.JournalView.as_view(), name="journal"),
    path("<int:period>/invoices/issue/", views.InvoicesIssueView.as_view(), name="invoices_issue"),
    path("invoices/", views.InvoiceListView.as_view(), name="invoices"),
    path("invoices/<int:pk>/", views.InvoiceDetailView.as_view(), name="invoice"),
    path("invoices/<int:pk>/update/", views.InvoiceUpdateView.as_view(), name="invoice_update"),
    path("payables/new/", views.PayableCreateView.as_view(), name="payable_create"),
    path("payables/<int:pk>/", views.PayableDetailView.as_view(), name="payable"),
    path("payables/<int:pk>/update/", views.PayableUpdateView.as_view(), name="payable_update"),
]
