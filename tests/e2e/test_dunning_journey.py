"""A manager edits a reminder text, starts the daily run; a controller works the resulting task."""

import importlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from accounts import services
from accounts.models import Task
from creditmgmt.models import Role
from creditmgmt.services import create_user
from dunning.models import CustomerDunning, DunningStop, Message, Procedure, Step, Template
from tests.e2e.nav import go_to, sign_in
from tests.factories import ContactFactory, CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-pass-2026"


@pytest.fixture
def world():
    # A transactional test starts from an emptied database: put the shipped procedures back.
    from django.apps import apps

    importlib.import_module("dunning.migrations.0002_shipped_defaults").create_defaults(apps, None)
    manager = create_user(username="mark", role=Role.MANAGER, password=PASSWORD, first_name="Mark")
    chris = create_user(username="chris", role=Role.CONTROLLER, password=PASSWORD, first_name="Chris")
    today = date.today()
    harbour = CustomerFactory(
        name="Harbour Trading Ltd", number="C2", risk_class="medium", language="en", controller=chris
    )
    ContactFactory(customer=harbour, name="John Smith", email="ap@harbour.example", language="en")
    services.post_invoice(
        customer=harbour,
        number="M-1",
        issue_date=today - timedelta(days=35),
        due_date=today - timedelta(days=5),
        amount=Decimal("1200.00"),
        by="erp",
    )
    vries = CustomerFactory(name="Bakkerij De Vries", number="C1", risk_class="low", controller=chris)
    ContactFactory(customer=vries, name="Petra Smit", email="petra@devries.example")
    services.post_invoice(
        customer=vries,
        number="L-1",
        issue_date=today - timedelta(days=60),
        due_date=today - timedelta(days=30),
        amount=Decimal("12400.00"),
        by="erp",
    )
    # De Vries had its reminder twelve days ago: the call (+24) is due today.
    CustomerDunning.objects.create(
        customer=vries,
        procedure=Procedure.objects.get(code="low"),
        stage=2,
        last_contact_date=today - timedelta(days=12),
    )
    # Noord is past its call: the final notice (+30, a letter that waits for approval) is due today.
    noord = CustomerFactory(
        name="Noord Shipping Ltd",
        number="C5",
        risk_class="medium",
        language="en",
        controller=chris,
        address="Quay 5",
        postal_code="9711 AA",
        city="Groningen",
    )
    ContactFactory(customer=noord, name="Ann Lee", email="ap@noord.example", language="en")
    services.post_invoice(
        customer=noord,
        number="M-7",
        issue_date=today - timedelta(days=62),
        due_date=today - timedelta(days=32),
        amount=Decimal("1000.00"),
        by="erp",
    )
    CustomerDunning.objects.create(
        customer=noord,
        procedure=Procedure.objects.get(code="medium"),
        stage=3,
        last_contact_date=today - timedelta(days=11),
    )
    return {"manager": manager, "chris": chris, "harbour": harbour, "vries": vries, "noord": noord}


def edit_template(page: Page, step: str, channel: str, subject: str) -> int:
    """Open the step's current English template of that channel, fill in the subject, and return the
    version that saving will make. The first transactional test still sees the migrations' rows
    (with later shipped versions); later ones see only what `world` made."""
    key = Step.objects.get(procedure__code="medium", name__startswith=step).template_key
    current = Template.objects.get(key=key, channel=channel, language="en", is_current=True)
    label = {"email": "E-mail", "letter": "Letter"}[channel]
    go_to(page, "Procedures")
    page.get_by_role("link", name="Medium risk", exact=True).click()
    page.get_by_role("link", name=step).click()
    page.get_by_role("link", name=f"{label} · EN · v{current.version}").click()
    page.get_by_label("Subject").fill(subject)
    return current.version + 1


def test_manager_edits_template_run_sends_controller_completes_task(page: Page, live_server, world, tmp_path):
    sign_in(page, live_server.url, "mark")
    reminder_version = edit_template(
        page, "First reminder", "email", "Friendly nudge: {{ total|money:currency }} is overdue"
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_contain_text("Friendly nudge: €1,200.00 is overdue")
    page.get_by_role("button", name="Save as new version").click()
    expect(page.locator(".messages")).to_contain_text(f"Saved as version {reminder_version}")
    # The final notice waits for the controller's approval; its letter gets a new subject too.
    notice_version = edit_template(
        page, "Final notice", "letter", "Last notice: {{ total_due|money:currency }} to pay"
    )
    page.get_by_role("button", name="Save as new version").click()
    expect(page.locator(".messages")).to_contain_text(f"Saved as version {notice_version}")

    go_to(page, "Daily run")
    page.get_by_role("button", name="Start the run now").click()
    expect(page.locator("#run-progress")).to_contain_text("Done")
    page.screenshot(path=str(tmp_path / "run.png"), full_page=True)
    message = Message.objects.get(customer=world["harbour"])
    assert (
        message.subject == "Friendly nudge: €1,200.00 is overdue"
        and message.template_version == reminder_version
    )
    assert message.status == "sent"
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server.url, "chris")
    go_to(page, "Worklist")
    row = page.locator("table.worklist tbody tr", has_text="Bakkerij De Vries").filter(
        has_text="Call the customer"
    )
    expect(row).to_contain_text("EUR 12,400 overdue 30 days, low risk")
    # (read the database only while the browser waits: SQLite locks the table during a request)
    call_pk = Task.objects.get(customer=world["vries"], kind="call").pk
    row.get_by_label("Outcome").select_option("promised")
    row.get_by_label("Note").fill("pays Friday")
    row.get_by_role("button", name="Done").click()
    call = page.locator(f"#task-{call_pk}.finished")
    expect(call).to_contain_text("Payment promised")  # (the outcome list has it too: wait for the swap)
    task = Task.objects.get(customer=world["vries"], kind="call")
    assert (task.status, task.outcome) == ("done", "promised")
    assert DunningStop.objects.active().filter(customer=world["vries"], reason="promise").exists()

    # The exception: De Vries owes EUR 12,400 against a limit of EUR 10,000.
    over = page.locator("table.worklist tbody tr", has_text="Over the credit limit")
    expect(over).to_contain_text("EUR 2,400 over the limit of EUR 10,000 (EUR 12,400 open), low risk")
    over.get_by_label("Outcome").select_option("no_action")
    over.get_by_label("Note").fill("limit raise asked from sales")
    over.get_by_role("button", name="Done").click()
    expect(
        page.locator("table.worklist tbody tr.finished", has_text="Over the credit limit")
    ).to_contain_text("No action needed")

    # The final notice with the manager's new text: approved and sent from the worklist.
    notice = page.locator("table.worklist tbody tr", has_text="Noord Shipping Ltd")
    expect(notice).to_contain_text("Final notice (14-day letter)")
    notice.get_by_role("button", name="Approve and send").click()
    expect(page.locator("table.worklist tbody tr", has_text="Noord Shipping Ltd")).to_contain_text(
        "Approved; on its way."
    )
    page.screenshot(path=str(tmp_path / "worklist.png"), full_page=True)
    letter = Message.objects.get(customer=world["noord"])
    assert letter.channel == "letter" and letter.template_version == notice_version
    assert letter.subject.startswith("Last notice: €") and letter.subject.endswith(" to pay")
    assert not Task.objects.open().filter(assignee=world["chris"], due_date__lte=date.today()).exists()
