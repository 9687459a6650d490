from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from inspect_app.dashboard.views import landing as dashboard_views

admin.site.site_header = "Crime-recording inspections: administration"

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("healthz", dashboard_views.health, name="health"),
    path("favicon.ico", dashboard_views.favicon, name="favicon"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # Before the dashboard: its inspections/<slug>/ would take inspections/new/.
    path("", include("inspect_app.inspections.setup_urls")),
    path("", include("inspect_app.dashboard.urls")),
    path("", include("inspect_app.uploads.urls")),
    path("", include("inspect_app.inspections.urls")),
    path("", include("inspect_app.accounts.urls")),
    path("", include("inspect_app.sampling.urls")),
    path("", include("inspect_app.publication.urls")),
    path("", include("inspect_app.judgement.urls")),
    path("", include("inspect_app.api.urls")),
]
