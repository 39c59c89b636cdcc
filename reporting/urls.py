from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("customers/", views.bucket_customers, name="bucket_customers"),
    path("forecast/", views.forecast, name="forecast"),
    path("export/<str:table>.<str:fmt>", views.export, name="export"),
]
