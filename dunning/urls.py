from django.urls import path

from dunning.views import customer, disputes, promises, runs, setup, worklist

app_name = "dunning"

urlpatterns = [
    path("worklist/", worklist.worklist, name="worklist"),
    path("worklist/bulk/", worklist.bulk, name="worklist_bulk"),
    path("worklist/tasks/<int:pk>/outcome/", worklist.task_outcome, name="task_outcome"),
    path("worklist/tasks/<int:pk>/snooze/", worklist.task_snooze, name="task_snooze"),
    path("worklist/tasks/<int:pk>/reassign/", worklist.task_reassign, name="task_reassign"),
    path("actions/<int:pk>/approve/", worklist.action_approve, name="action_approve"),
    path("actions/<int:pk>/cancel/", worklist.action_cancel, name="action_cancel"),
    path("runs/", runs.run_list, name="run_list"),
    path("runs/start/", runs.run_start, name="run_start"),
    path("runs/preview/", runs.run_preview, name="run_preview"),
    path("outbox/", runs.outbox, name="outbox"),
    path("outbox/<int:pk>/", runs.message_detail, name="message_detail"),
    path("outbox/<int:pk>/retry/", runs.message_retry, name="message_retry"),
    path("letters/<int:pk>/pdf/", runs.letter_batch_pdf, name="letter_batch_pdf"),
    path("procedures/", setup.procedure_list, name="procedure_list"),
    path("procedures/<int:pk>/", setup.procedure_detail, name="procedure_detail"),
    path("procedures/<int:pk>/steps/new/", setup.step_edit, name="step_new"),
    path("procedures/<int:pk>/steps/<int:step_pk>/", setup.step_edit, name="step_edit"),
    path("templates/", setup.template_list, name="template_list"),
    path("templates/<int:pk>/", setup.template_edit, name="template_edit"),
    path("rules/new/", setup.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", setup.rule_edit, name="rule_edit"),
    path("customers/<int:pk>/stop/", customer.stop_set, name="stop_set"),
    path("stops/<int:pk>/lift/", customer.stop_lift, name="stop_lift"),
    path("disputes/", disputes.dispute_list, name="dispute_list"),
    path("disputes/summary/", disputes.dispute_summary, name="dispute_summary"),
    path("disputes/<int:pk>/", disputes.dispute_detail, name="dispute_detail"),
    path("disputes/<int:pk>/update/", disputes.dispute_update, name="dispute_update"),
    path("disputes/<int:pk>/attachment/", disputes.dispute_attachment, name="dispute_attachment"),
    path("customers/<int:pk>/disputes/new/", disputes.dispute_new, name="dispute_new"),
    path("customers/<int:pk>/promises/new/", promises.promise_new, name="promise_new"),
    path("promises/<int:pk>/cancel/", promises.promise_cancel, name="promise_cancel"),
    path("customers/<int:pk>/plans/new/", promises.plan_new, name="plan_new"),
    path("plans/<int:pk>/", promises.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/decide/", promises.plan_decide, name="plan_decide"),
]
