from django.urls import path, register_converter

from pupils import views


class UPNConverter:
    """A UPN: a check letter, 11 digits and a digit or letter (validated again by the model)."""

    regex = "[A-Z][0-9]{11}[0-9A-Z]"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UPNConverter, "upn")

app_name = "pupils"

urlpatterns = [
    path("", views.PupilListView.as_view(), name="list"),
    path("reviews/", views.ReviewListView.as_view(), name="reviews"),
    path("<upn:upn>/", views.PupilDetailView.as_view(), name="detail"),
    path("<upn:upn>/plans/new/", views.PlanIssueView.as_view(), name="plan_issue"),
    path(
        "<upn:upn>/plans/<int:plan_id>/support/",
        views.SupportChangeView.as_view(),
        name="support_change",
    ),
    path("<upn:upn>/plans/<int:plan_id>/cease/", views.PlanCeaseView.as_view(), name="plan_cease"),
    path("<upn:upn>/move/", views.PupilMoveView.as_view(), name="move"),
    path("<upn:upn>/leave/", views.PupilLeaveView.as_view(), name="leave"),
    path("<upn:upn>/home-la/", views.HomeLaChangeView.as_view(), name="home_la_change"),
    path("<upn:upn>/home-la/correct/", views.HomeLaCorrectView.as_view(), name="home_la_correct"),
]
