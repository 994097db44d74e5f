from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from schools import views as school_views
from schools.glossary import GlossaryView

admin.site.site_header = "SEN funding administration"
admin.site.site_title = "SEN funding"
admin.site.index_title = "Administration and SEN Panel"

urlpatterns = [
    path("", school_views.HomeView.as_view(), name="home"),
    path("glossary/", GlossaryView.as_view(), name="glossary"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Every user changes their own password, or resets it by email (a one-use link).
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/change_password.html"),
        name="password_change",
    ),
    path(
        "account/password/changed/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/change_password_done.html"
        ),
        name="password_change_done",
    ),
    path(
        "account/password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="registration/reset_password.html",
            email_template_name="registration/reset_password_email.txt",
            subject_template_name="registration/reset_password_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "account/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/reset_password_sent.html"
        ),
        name="password_reset_done",
    ),
    path(
        "account/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/reset_password_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "account/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/reset_password_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("schools/", include("schools.urls")),
    path("pupils/", include("pupils.urls")),
    path("funding/", include("funding.urls")),
    path("panel/", include("funding.panel.urls")),
    path("returns/", include("funding.returns.urls")),
    path("reports/", include("funding.reports.urls")),
    path("spend/", include("funding.spend.urls")),
    path("payments/", include("funding.payments.urls")),
    path("scenarios/", include("funding.scenarios.urls")),
    path("clusters/", include("clusters.urls")),
    path("admin/", admin.site.urls),
]
