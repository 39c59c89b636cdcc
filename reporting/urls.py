from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("customers/", views.bucket_customers, name="bucket_customers"),
    path("disputes/", views.dispute_customers, name="dispute_customers"),
    path("acceptance/", views.acceptance_retro, name="acceptance_retro"),
    path("customers/<str:figure>/", views.figure_customers, name="figure_customers"),
    path("forecast/", views.forecast, name="forecast"),
    path("report.pdf", views.dashboard_pdf, name="dashboard_pdf"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("subscriptions/<int:pk>/delete/", views.subscription_delete, name="subscription_delete"),
    path("export/<str:table>.<str:fmt>", views.export, name="export"),
]
