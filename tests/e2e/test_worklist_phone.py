"""A controller works the worklist on a phone: each task is a block that fits the screen, and a
task is finished from it as at a desk."""

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Task
from accounts.services import create_task
from creditmgmt.models import Role
from creditmgmt.services import create_user
from tests.e2e.nav import sign_in
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tasks():
    chris = create_user(username="chris", role=Role.CONTROLLER, password="demo-pass-2026", first_name="Chris")
    made = []
    for n, name in enumerate(["Metaalbewerking Martens V.O.F.", "Schouten & Van Doorn Notarissen"]):
        customer = CustomerFactory(name=name, number=f"C{n}", controller=chris)
        title = f"Call about the overdue invoices of {name} and the payment they promised last week"
        made.append(create_task(customer=customer, title=title, due_date=date.today(), by="worker"))
    return made


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1400, "height": 900}])
def test_the_worklist_fits_the_screen_and_a_task_is_finished_from_it(
    page: Page, live_server, tasks, viewport
):
    page.set_viewport_size(viewport)
    sign_in(page, live_server.url, "chris")
    page.goto(f"{live_server.url}/dunning/worklist/")
    row = page.locator(f"#task-{tasks[0].pk}")
    expect(row).to_contain_text("Metaalbewerking Martens")
    # Nothing pushes the page sideways: on a phone each task is a block, not a 1,100 px row.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    outcome = row.get_by_label("Outcome")
    box = outcome.bounding_box()
    assert box is not None and box["x"] + box["width"] <= viewport["width"]
    outcome.select_option("reached")
    row.get_by_role("button", name="Done").click()
    expect(page.locator(f"#task-{tasks[0].pk} .badge.good")).to_have_text("Done")
    assert Task.objects.get(pk=tasks[0].pk).status == Task.Status.DONE
