"""The acceptance section of the customer 360: available credit and the latest decision.

No query of its own (the 360's query budget belongs to accounts): available
credit comes from the customer row, the latest decision loads with htmx from
acceptance:customer_decision, which is also a plain link without JavaScript.
"""

from django.http import HttpRequest
from django.template.loader import render_to_string

from accounts.models import Customer
from accounts.panels import register_customer_panel


@register_customer_panel("acceptance", column="side", order=10)
def acceptance_panel(request: HttpRequest, customer: Customer) -> str:
    return render_to_string("acceptance/panels/customer.html", {"customer": customer}, request=request)
