"""A Dutch customer on a phone uses the reminder link as a hurried person does: a date in the past,
a double click on "Promise", a dispute with no reason chosen and with "Other" but no words; every
mistake is said at its field, nothing typed is lost, and the double click makes one promise.
Then the same account in English at desktop width, and an old link that no longer works."""

import importlib
import os
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts import services
from creditmgmt.models import Role
from creditmgmt.services import create_user
from dunning.models import Dispute, Promise
from dunning.portal.services import revoke_links
from tests.dunning.portal_helpers import link_path
from tests.factories import ContactFactory, CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}
SHOTS = os.environ.get("PORTAL_SHOTS")  # a folder: save screenshots there to look at them


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def kuiper():
    from django.apps import apps

    # A transactional test starts from an emptied database: put the shipped dispute reasons back.
    importlib.import_module("dunning.migrations.0004_disputes").ship_reasons(apps, None)
    chris = create_user(username="chris", role=Role.CONTROLLER, password="demo-pass-2026", first_name="Chris")
    customer = CustomerFactory(name="Bakkerij Kuiper", number="C7", language="nl", controller=chris)
    ContactFactory(customer=customer, name="Joke Kuiper", email="joke@kuiper.example", is_primary=True)
    today = date.today()
    for number, days, amount in (("K-1", 20, "410.00"), ("K-2", 45, "1250.00")):
        services.post_invoice(
            customer=customer,
            number=number,
            issue_date=today - timedelta(days=days + 30),
            due_date=today - timedelta(days=days),
            amount=Decimal(amount),
            by="erp",
        )
    return customer


def test_a_hurried_customer_on_a_phone_loses_nothing_and_promises_once(page: Page, live_server, kuiper):
    today = date.today()
    home = live_server.url + link_path(kuiper)
    page.set_viewport_size(PHONE)
    page.goto(home)
    expect(page.get_by_text("Bakkerij Kuiper")).to_be_visible()
    # All four tabs fit the phone (they wrap; none is cut off past the edge).
    details_tab = page.get_by_role("link", name="Uw gegevens").bounding_box()
    assert details_tab["x"] + details_tab["width"] <= PHONE["width"]
    shot(page, "portal-nl-home-phone")

    # Promise: a date in the past is said at the date; the ticks stay as they were.
    page.get_by_role("link", name="Betaaldatum toezeggen").click()
    checks = page.locator("input[name=invoices]")
    expect(checks).to_have_count(2)
    checks.nth(0).uncheck()  # K-2 is the oldest: listed first; promise only K-1
    page.get_by_label("Ik betaal op").fill((today - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Betaalbelofte").click()
    expect(page.locator(".errorlist")).to_contain_text("Kies vandaag of een latere datum.")
    expect(checks.nth(0)).not_to_be_checked()
    expect(checks.nth(1)).to_be_checked()
    shot(page, "portal-nl-promise-past-phone")

    # A double click while the answer is on its way: one request, one promise, a thank-you.
    held = []  # the promise requests, held back as a slow network would
    page.route(
        "**/promise/",
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    page.get_by_label("Ik betaal op").fill((today + timedelta(days=7)).isoformat())
    button = page.get_by_role("button", name="Betaalbelofte")
    # The second click comes from the page itself 150 ms later, while the first request is held
    # (Playwright waits for a navigation to finish before it clicks again).
    button.evaluate("b => setTimeout(() => b.click(), 150)")
    button.click(no_wait_after=True)
    page.wait_for_timeout(500)
    assert len(held) == 1
    for route in held:
        route.continue_()
    expect(page.locator(".messages")).to_contain_text("We verwachten uw betaling op")
    page.unroute("**/promise/")
    assert Promise.objects.filter(customer=kuiper).count() == 1
    expect(page.get_by_text("Betaling toegezegd op")).to_be_visible()
    shot(page, "portal-nl-promised-phone")

    # Dispute K-2: no reason chosen yet, so the browser stops at the reason; the text stays.
    page.locator("tr", has_text="K-2").get_by_role("link", name="Geschil").click()
    page.get_by_label("Vertel ons meer").fill("Zie de bijlage.")
    page.get_by_role("button", name="Versturen").click()
    assert page.locator("#id_reason").evaluate("e => e.validity.valueMissing")
    expect(page.get_by_label("Vertel ons meer")).to_have_value("Zie de bijlage.")
    # "Anders" with no words: said at the text.
    page.get_by_label("Wat klopt er niet?").select_option(label="Anders")
    page.get_by_label("Vertel ons meer").fill("")
    page.get_by_role("button", name="Versturen").click()
    expect(
        page.locator(".field", has=page.get_by_label("Vertel ons meer")).locator(".errorlist")
    ).to_contain_text("Vertel in een paar woorden wat er niet klopt.")
    expect(page.get_by_label("Wat klopt er niet?")).to_have_value(
        page.locator("#id_reason option", has_text="Anders").get_attribute("value")
    )
    shot(page, "portal-nl-dispute-other-phone")
    page.get_by_label("Vertel ons meer").fill("Wij hebben 10 dozen besteld, er staan er 12 op de factuur.")
    # Switching the language halfway loses nothing typed or chosen (static/js/portal.js).
    other = page.locator("#id_reason option", has_text="Anders").get_attribute("value")
    page.get_by_role("button", name="EN", exact=True).click()
    expect(page.get_by_label("Tell us more")).to_have_value(
        "Wij hebben 10 dozen besteld, er staan er 12 op de factuur."
    )
    expect(page.get_by_label("What is wrong?")).to_have_value(other)
    page.get_by_role("button", name="NL", exact=True).click()
    expect(page.get_by_label("Vertel ons meer")).to_have_value(
        "Wij hebben 10 dozen besteld, er staan er 12 op de factuur."
    )
    page.get_by_role("button", name="Versturen").click()
    expect(page.locator(".messages")).to_contain_text("factuur K-2")
    assert Dispute.objects.get(customer=kuiper).message.startswith("Wij hebben 10 dozen")

    # The same account in English at desktop width.
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="EN", exact=True).click()
    expect(page.get_by_text("Payment promised for")).to_be_visible()
    expect(page.get_by_text("under dispute")).to_be_visible()
    shot(page, "portal-en-home-desktop")

    # An old link (revoked here; expired looks the same) says what to do instead of "Not found".
    revoke_links(customer=kuiper, by="test")
    page.goto(home)
    expect(page.get_by_text("Deze link werkt niet (meer)")).to_be_visible()
    expect(page.get_by_text("This link does not work (any more)")).to_be_visible()
    shot(page, "portal-bad-link-desktop")
