"""A credit manager copies the policy in use to a draft, makes it stricter, tests it and simulates it."""

import os
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from acceptance.models import BureauRecord, Rule, RuleSetVersion
from acceptance.services import decide
from creditmgmt.models import Role
from creditmgmt.services import create_user
from tests.e2e.nav import go_to, sign_in
from tests.e2e.shipped import ship_rule_sets
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-pass-2026"
SHOTS = os.environ.get("E2E_SCREENSHOTS", "")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def world():

    ship_rule_sets()
    create_user(username="mia", role=Role.MANAGER, password=PASSWORD, first_name="Mia")
    for name, kvk, score in [("Sterk B.V.", "11111111", 85), ("Matig B.V.", "22222222", 35)]:
        customer = CustomerFactory(name=name, kvk_number=kvk, credit_limit=Decimal("0"))
        BureauRecord.objects.create(
            registration_number=kvk, name=name, score=score, recommended_limit=Decimal("40000")
        )
        decide(by="test", channel="api", customer=customer)


def test_manager_makes_the_policy_stricter(page: Page, live_server, world):
    sign_in(page, live_server.url, "mia")
    go_to(page, "Credit policy")
    shot(page, "policy-list")
    page.locator("form[action$='/copy/']").first.get_by_role("button").click()  # medium is in use: first
    expect(page.get_by_role("heading", level=1)).to_contain_text("v2")
    draft = RuleSetVersion.objects.get(status="draft")
    fair = draft.rules.filter(conditions__feature="score", conditions__operator="gte").order_by("position")
    rule = fair.last()
    # Open the rule's editor, turn it into a referral, save (htmx swaps the rules card).
    page.locator("tr.rule-edit summary").nth(list(draft.rules.order_by("position")).index(rule)).click()
    form = page.locator(f"form[action$='/rules/{rule.pk}/edit/']")
    form.locator("select[name$='-outcome']").select_option("refer")
    form.locator("select[name$='-limit_kind']").select_option("none")
    form.get_by_role("button", name="Save rule").click()
    expect(page.locator("#rules tr", has_text=rule.name).first).to_contain_text("Refer to a person")
    assert Rule.objects.get(pk=rule.pk).outcome == "refer"
    shot(page, "policy-draft")
    page.get_by_label("Customer number, KvK number or name").fill("22222222")
    page.get_by_role("button", name="Test", exact=True).click()
    expect(page.locator("#result")).to_contain_text("Matig B.V.")
    shot(page, "policy-test")
    page.get_by_role("button", name="Simulate").click()
    expect(page.locator("table.simulation")).to_contain_text("Accepted and paid")
    expect(page.get_by_role("heading", level=2).first).to_contain_text("2 requests")
    shot(page, "policy-simulation")
