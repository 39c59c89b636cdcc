from django.urls import path

from acceptance import views

app_name = "acceptance"

urlpatterns = [
    path("counter/", views.counter, name="counter"),
    path("counter/answer/", views.counter_decide, name="counter_decide"),
    path("decisions/", views.decision_list, name="decision_list"),
    path("decisions/override/", views.decision_override, name="decision_override"),
    path("customers/<int:pk>/decision/", views.customer_decision, name="customer_decision"),
]
