"""A credit manager loads the ERP's customer export: preview, fix nothing, apply, and again."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Customer
from creditmgmt.models import Role
from creditmgmt.services import create_user
from tests.e2e.nav import go_to, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DATA = Path(__file__).resolve().parents[1] / "accounts" / "data"


def test_import_customers_preview_apply_and_again(page: Page, live_server, settings, tmp_path):
    settings.IMPORT_STAGING_DIR = tmp_path
    create_user(username="mark", role=Role.MANAGER, password="demo-pass-2026")
    create_user(username="chris.controller", role=Role.CONTROLLER, password="demo-pass-2026")
    sign_in(page, live_server.url, "mark")

    go_to(page, "Import")
    page.get_by_label("Customers").check()
    page.locator("input[type=file]").set_input_files(str(DATA / "customers.csv"))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("button", name="Apply import")).to_be_visible()
    assert Customer.objects.count() == 0  # a preview writes nothing
    page.get_by_role("button", name="Apply import").click()
    expect(page.locator(".msg-success")).to_contain_text("4 new")
    imported = Customer.objects.count()
    assert imported > 0

    # The same file again: nothing new, nothing changed.
    go_to(page, "Import")
    page.get_by_label("Customers").check()
    page.locator("input[type=file]").set_input_files(str(DATA / "customers.csv"))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("main")).to_contain_text("unchanged")
    assert Customer.objects.count() == imported
