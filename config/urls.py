from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from schools import views as school_views

admin.site.site_header = "SEN funding administration"
admin.site.site_title = "SEN funding"
admin.site.index_title = "Administration and SEN Panel"

urlpatterns = [
    path("", school_views.HomeView.as_view(), name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("schools/", include("schools.urls")),
    path("pupils/", include("pupils.urls")),
    path("funding/", include("funding.urls")),
    path("panel/", include("funding.panel.urls")),
    path("returns/", include("funding.returns.urls")),
    path("reports/", include("funding.reports.urls")),
    path("spend/", include("funding.spend.urls")),
    path("clusters/", include("clusters.urls")),
    path("admin/", admin.site.urls),
]
