"""A controller's first morning: sign in, find a customer, note a call, get an invoice copy."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from accounts import services
from accounts.models import Event, Note
from creditmgmt.models import Role
from creditmgmt.services import create_user
from tests.e2e.nav import sign_in
from tests.factories import ContactFactory, CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    controller = create_user(
        username="chris",
        role=Role.CONTROLLER,
        password="demo-pass-2026",
        first_name="Chris",
        last_name="de Boer",
    )
    customer = CustomerFactory(
        name="Bakkerij De Vries B.V.", number="C1001", city="Utrecht", controller=controller
    )
    CustomerFactory(name="Van Dijk Transport B.V.", number="C1002", city="Zwolle", controller=controller)
    ContactFactory(customer=customer, name="Petra Smit")
    today = date.today()
    invoice = services.post_invoice(
        customer=customer,
        number="2026-0042",
        issue_date=today - timedelta(days=45),
        due_date=today - timedelta(days=15),
        amount=Decimal("1815.00"),
        vat_amount=Decimal("315.00"),
        description="Meel en gist",
        by="erp",
    )
    return {"controller": controller, "customer": customer, "invoice": invoice}


def test_find_customer_add_note_download_pdf(page: Page, live_server, world, tmp_path):
    sign_in(page, live_server.url, "chris")
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()  # a controller's home

    page.get_by_role("link", name="Customers").click()
    page.get_by_placeholder("Name, number, KvK or city").fill("vries")
    # htmx live search narrows the list without a page load.
    expect(page.locator("#results tbody tr")).to_have_count(1)
    page.locator("#results").get_by_role("link", name="Bakkerij De Vries B.V.").click()

    expect(page.get_by_role("heading", name="Bakkerij De Vries B.V.")).to_be_visible()
    expect(page.locator(".figure", has_text="Overdue")).to_contain_text("1,815.00")
    page.screenshot(path=str(tmp_path / "360.png"), full_page=True)
    # The 360 loads some panels with htmx after the page: let them settle before posting the note.
    page.wait_for_load_state("networkidle")
    # htmx (loaded deferred) must have taken over the note form, or the click posts it plainly.
    page.wait_for_function("() => document.querySelector('#notes form')?.['htmx-internal-data']")

    page.get_by_placeholder("Write a note for the team…").fill("Gebeld met Petra: betaalt vrijdag")
    with page.expect_response(lambda r: "/notes/" in r.url and r.request.method == "POST") as posted:
        page.get_by_role("button", name="Add note").click()
    assert posted.value.status == 200, posted.value.status
    expect(page.locator("#notes")).to_contain_text("Gebeld met Petra: betaalt vrijdag")
    expect(page.locator("#timeline")).to_contain_text("Gebeld met Petra: betaalt vrijdag")
    assert Note.objects.filter(customer=world["customer"], author=world["controller"]).count() == 1
    assert Event.objects.filter(customer=world["customer"], kind="note").count() == 1

    with page.expect_download() as download_info:
        page.locator("#invoices").get_by_role("link", name="PDF").click()
    download = download_info.value
    assert download.suggested_filename == "2026-0042.pdf"
    path = tmp_path / "copy.pdf"
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
