from django.urls import path

from dunning.portal import views

app_name = "portal"

urlpatterns = [
    # Staff (roles): the 360 panel's actions.
    path("staff/customers/<int:pk>/link/", views.staff_new_link, name="staff_new_link"),
    path("staff/customers/<int:pk>/revoke/", views.staff_revoke, name="staff_revoke"),
    path("staff/changes/<int:pk>/", views.staff_change_decide, name="staff_change_decide"),
    path("staff/remittances/<int:pk>/", views.staff_remittance, name="staff_remittance"),
    # Customers (token).
    path("<str:token>/", views.home, name="home"),
    path("<str:token>/paid/", views.paid, name="paid"),
    path("<str:token>/invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("<str:token>/statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("<str:token>/pay/", views.pay, name="pay"),
    path("<str:token>/pay/demo/", views.demo_checkout, name="demo_checkout"),
    path("<str:token>/promise/", views.promise, name="promise"),
    path("<str:token>/plan/", views.plan, name="plan"),
    path("<str:token>/dispute/", views.dispute, name="dispute"),
    path("<str:token>/remittance/", views.remittance, name="remittance"),
    path("<str:token>/details/", views.details, name="details"),
    path("<str:token>/messages/", views.message_history, name="messages"),
    path("<str:token>/language/", views.language, name="language"),
]
