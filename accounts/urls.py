from django.urls import path

from accounts import import_views, views
from accounts.bank import views as bank_views

app_name = "accounts"

urlpatterns = [
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/<int:pk>/", views.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("customers/<int:pk>/notes/", views.note_add, name="note_add"),
    path("customers/<int:pk>/tasks/", views.task_create, name="task_create"),
    path("customers/<int:pk>/payments/", views.payment_record, name="payment_record"),
    path("customers/<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("customers/<int:pk>/delivery-block/", views.delivery_block, name="delivery_block"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/allocate/", views.invoice_allocate, name="invoice_allocate"),
    path("invoices/<int:pk>/send-copy/", views.invoice_send_copy, name="invoice_send_copy"),
    path("allocations/<int:pk>/undo/", views.allocation_undo, name="allocation_undo"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("tasks/<int:pk>/snooze/", views.task_snooze, name="task_snooze"),
    path("tasks/<int:pk>/reassign/", views.task_reassign, name="task_reassign"),
    path("payments/", bank_views.bank_home, name="bank_home"),
    path("payments/unmatched/", bank_views.bank_unmatched, name="bank_unmatched"),
    path("payments/statements/<int:pk>/", bank_views.bank_statement, name="bank_statement"),
    path("payments/entries/<int:pk>/match/", bank_views.bank_entry_match, name="bank_entry_match"),
    path("payments/entries/<int:pk>/reverse/", bank_views.bank_entry_reverse, name="bank_entry_reverse"),
    path("payments/entries/<int:pk>/outgoing/", bank_views.bank_entry_outgoing, name="bank_entry_outgoing"),
    path("imports/", import_views.import_upload, name="import_upload"),
    path("imports/<slug:token>/", import_views.import_preview, name="import_preview"),
    path("imports/<slug:token>/apply/", import_views.import_apply, name="import_apply"),
]
