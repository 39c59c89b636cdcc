"""A counter clerk types part of a company name and sees the green, orange and red answers."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from acceptance.models import BureauRecord, Decision
from creditmgmt.models import Role
from creditmgmt.services import create_user
from tests.e2e.nav import sign_in
from tests.e2e.shipped import ship_rule_sets
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-pass-2026"


@pytest.fixture
def world():
    # A transactional test starts from an emptied database: put the shipped rule sets back.

    ship_rule_sets()
    create_user(username="cees", role=Role.COUNTER, password=PASSWORD, first_name="Cees")
    for name, kvk, report in [
        ("Groen Bouw B.V.", "11111111", {"score": 82}),
        ("Groenewoud Installatie B.V.", "22222222", None),  # unknown to the bureau, no history
        ("Groenland Transport B.V.", "33333333", {"score": 12, "negative_events": ["bankruptcy"]}),
    ]:
        CustomerFactory(name=name, kvk_number=kvk, credit_limit=Decimal("10000.00"))
        if report:
            BureauRecord.objects.create(
                registration_number=kvk, name=name, recommended_limit=Decimal("40000"), **report
            )


def test_counter_clerk_sees_three_answers(page: Page, live_server, world):
    sign_in(page, live_server.url, "cees")
    expect(page).to_have_url(f"{live_server.url}/acceptance/counter/")

    page.get_by_role("searchbox").fill("groen")
    hits = page.locator("#results button.hit")
    expect(hits).to_have_count(3)

    for name, colour, text in [
        ("Groen Bouw", "green", "Deliver on account up to €10,000.00"),
        ("Groenewoud", "orange", "Only with prepayment, ask the credit department"),
        ("Groenland", "red", "Cash or card only"),
    ]:
        hits.filter(has_text=name).click()
        answer = page.locator("#answer .answer")
        expect(answer).to_have_attribute("data-outcome", colour)
        expect(answer.locator(".verdict")).to_have_text(text)
    assert Decision.objects.filter(channel="counter").count() == 3
    expect(page.locator(".mainnav a")).to_have_count(1)  # nothing else of the application


def test_a_new_search_marks_the_answer_on_screen_as_the_previous_companys(page: Page, live_server, world):
    """At a busy counter the red answer for one company must not be read as the next one's."""
    sign_in(page, live_server.url, "cees")
    search = page.get_by_role("searchbox")
    search.fill("groenland")
    page.locator("#results button.hit").filter(has_text="Groenland").click()
    label = page.locator("#answer .earlier-label")
    expect(page.locator("#answer .answer")).to_have_attribute("data-outcome", "red")
    expect(label).to_be_hidden()

    search.fill("")
    search.press_sequentially("Xyzzy Onbekend")
    expect(page.locator("#results .empty")).to_be_visible()
    expect(page.locator("#answer")).to_have_class("earlier")
    expect(label).to_be_visible()
    expect(label).to_contain_text("Earlier answer, for Groenland")
    # Below the new results, not between the search box and them.
    results_box, answer_box = page.locator("#results").bounding_box(), page.locator("#answer").bounding_box()
    assert answer_box["y"] >= results_box["y"] + results_box["height"]

    search.fill("groen")
    page.locator("#results button.hit").filter(has_text="Groen Bouw").click()
    expect(page.locator("#answer .answer")).to_have_attribute("data-outcome", "green")
    expect(page.locator("#answer")).not_to_have_class("earlier")
    expect(label).to_be_hidden()
