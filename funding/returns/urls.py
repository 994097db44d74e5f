from django.urls import path

from funding.returns import views

app_name = "returns"

urlpatterns = [
    # School portal
    path("school/", views.SchoolReturnListView.as_view(), name="school_list"),
    path("school/<int:urn>/", views.SchoolReturnsView.as_view(), name="school"),
    path("<int:pk>/", views.ReturnDetailView.as_view(), name="detail"),
    path("<int:pk>/check/", views.CheckAnswersView.as_view(), name="check"),
    path("<int:pk>/submit/", views.ReturnSubmitView.as_view(), name="submit"),
    path("<int:pk>/submitted/", views.ReturnSubmittedView.as_view(), name="submitted"),
    path(
        "<int:pk>/confirm-remaining/",
        views.ConfirmRemainingView.as_view(),
        name="confirm_remaining",
    ),
    path("lines/<int:pk>/answer/", views.LineAnswerView.as_view(), name="line_answer"),
    # LA side
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/generate/", views.GenerateView.as_view(), name="generate"),
    path("dashboard/reminders/", views.RemindView.as_view(), name="remind"),
    path("queries/", views.QueryQueueView.as_view(), name="queries"),
    path("lines/<int:pk>/resolve/", views.LineResolveView.as_view(), name="line_resolve"),
]
