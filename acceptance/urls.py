from django.urls import path

from acceptance import views

app_name = "acceptance"

urlpatterns = [
    path("counter/", views.counter, name="counter"),
    path("counter/answer/", views.counter_decide, name="counter_decide"),
    path("counter/release/", views.release_request, name="release_request"),
    path("counter/release/<int:pk>/", views.release_status, name="release_status"),
    path("releases/", views.release_list, name="release_list"),
    path("releases/<int:pk>/answer/", views.release_answer, name="release_answer"),
    path("decisions/", views.decision_list, name="decision_list"),
    path("decisions/override/", views.decision_override, name="decision_override"),
    path("customers/<int:pk>/decision/", views.customer_decision, name="customer_decision"),
    path("customers/<int:pk>/limit/", views.customer_limit, name="customer_limit"),
    path("applications/new/", views.credit_application, name="credit_application"),
    path("rules/", views.rule_set_list, name="rule_set_list"),
    path("rules/checkpoints/", views.checkpoint_update, name="checkpoint_update"),
    path("rules/versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("rules/versions/<int:pk>/rules/", views.rule_add, name="rule_add"),
    path("rules/versions/<int:pk>/activate/", views.version_activate, name="version_activate"),
    path("rules/versions/<int:pk>/copy/", views.version_copy, name="version_copy"),
    path("rules/versions/<int:pk>/test/", views.version_test, name="version_test"),
    path("rules/versions/<int:pk>/simulate/", views.version_simulate, name="version_simulate"),
    path("rules/rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("rules/rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("rules/rules/<int:pk>/move/", views.rule_move, name="rule_move"),
]
