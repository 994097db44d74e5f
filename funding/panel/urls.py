from django.urls import path

from funding.panel import views

app_name = "panel"

urlpatterns = [
    path("meetings/", views.MeetingListView.as_view(), name="meetings"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting"),
    path(
        "meetings/<int:pk>/attendance/",
        views.MeetingAttendanceView.as_view(),
        name="meeting_attendance",
    ),
    path("cases/", views.CaseListView.as_view(), name="cases"),
    path("cases/<int:pk>/", views.CasePackView.as_view(), name="case"),
    path("cases/<int:pk>/decide/", views.DecisionView.as_view(), name="case_decide"),
    path(
        "decisions/<int:pk>/letter/",
        views.DecisionLetterView.as_view(),
        name="decision_letter",
    ),
    path(
        "pupils/<str:upn>/history/",
        views.PupilHistoryView.as_view(),
        name="pupil_history",
    ),
]
