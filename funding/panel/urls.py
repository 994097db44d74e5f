from django.urls import path

from funding.panel import views

app_name = "panel"

urlpatterns = [
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
