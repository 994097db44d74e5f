from django.urls import path

from clusters import views

app_name = "clusters"

urlpatterns = [
    path("", views.ClusterListView.as_view(), name="list"),
    path("shares/", views.SharesView.as_view(), name="shares"),
    path("pot/<int:fy>/", views.PotEditView.as_view(), name="pot_edit"),
    path("psf/", views.PsfForecastView.as_view(), name="psf_forecast"),
    path("psf/pupils/", views.PsfPupilsView.as_view(), name="psf_pupils"),
    path("auxiliary-aids/", views.AuxFundView.as_view(), name="aux_fund"),
    path("auxiliary-aids/budget/<int:fy>/", views.AuxFundEditView.as_view(), name="aux_fund_edit"),
    path("auxiliary-aids/apply/", views.AuxApplyView.as_view(), name="aux_apply"),
    path("auxiliary-aids/<int:pk>/decide/", views.AuxDecideView.as_view(), name="aux_decide"),
    path("<int:pk>/", views.ClusterDetailView.as_view(), name="detail"),
    path("<int:pk>/requests/", views.RequestListView.as_view(), name="requests"),
    path("<int:pk>/requests/new/", views.RequestCreateView.as_view(), name="request_create"),
    path(
        "<int:pk>/requests/<int:request_pk>/",
        views.RequestDetailView.as_view(),
        name="request_detail",
    ),
    path(
        "<int:pk>/requests/<int:request_pk>/review/",
        views.RequestReviewView.as_view(),
        name="request_review",
    ),
    path(
        "<int:pk>/requests/<int:request_pk>/impact/",
        views.RequestImpactView.as_view(),
        name="request_impact",
    ),
    path(
        "<int:pk>/requests/<int:request_pk>/withdraw/",
        views.RequestWithdrawView.as_view(),
        name="request_withdraw",
    ),
    path("<int:pk>/meetings/", views.MeetingListView.as_view(), name="meetings"),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/",
        views.MeetingDetailView.as_view(),
        name="meeting_detail",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/edit/",
        views.MeetingEditView.as_view(),
        name="meeting_edit",
    ),
]
