from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from creditmgmt import views
from creditmgmt.api import api_urls, make_api

api = make_api()
api.add_router("/acceptance/", "acceptance.api.router")

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("language/", views.set_language, name="set_language"),
    path("health/", views.health, name="health"),
    path("accounts/", include("accounts.urls")),
    path("dunning/", include("dunning.urls")),
    path("acceptance/", include("acceptance.urls")),
    path("reporting/", include("reporting.urls")),
    path("api/v1/", api_urls(api)),
    # The customer portal: public pages behind a personal token (no login), plus staff actions.
    path("portal/", include("dunning.portal.urls")),
    path("admin/", admin.site.urls),
]
