import pytest
from django.urls import reverse
from django.utils.html import format_html

from accounts import panels
from tests.factories import CustomerFactory


@pytest.mark.django_db
def test_apps_add_sections_to_the_360(controller_client, monkeypatch):
    monkeypatch.setattr(panels, "_PANELS", {})

    @panels.register_customer_panel("risk", column="side", order=10)
    def risk(request, customer):
        return format_html('<section class="card" id="risk-panel">Risk of {}</section>', customer.name)

    @panels.register_customer_panel("nothing", column="main")
    def nothing(request, customer):
        return None

    customer = CustomerFactory(name="Bakkerij <Vries>")
    page = controller_client.get(reverse("accounts:customer_detail", args=[customer.pk]))
    assert 'id="risk-panel">Risk of Bakkerij &lt;Vries&gt;' in page.text
    assert page.context["panels"] == {"main": [], "side": [page.context["panels"]["side"][0]]}
