"""Portal security: guessing, expiry, revocation, another customer's ids, rate limits, CSRF, hashes."""

import secrets
from datetime import datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import Invoice, Payment
from dunning.models import PortalToken
from dunning.models.portal import hash_token
from dunning.portal.guard import not_found_body
from dunning.portal.services import revoke_links
from tests.dunning.conftest import post
from tests.dunning.portal_helpers import link_path, token_of
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def two(controller):
    mine, theirs = CustomerFactory(number="MINE"), CustomerFactory(number="THEIRS")
    post(mine, "MINE-1", 10, amount="100.00")
    post(theirs, "THEIRS-1", 10, amount="999.00")
    return {"mine": mine, "theirs": theirs, "path": link_path(mine), "their_path": link_path(theirs)}


def assert_plain_404(response):
    """The one answer to every bad link: the same page, byte for byte, whatever made it bad."""
    assert response.status_code == 404
    assert response.content == not_found_body()
    assert response["Content-Type"].startswith("text/html")


def test_a_bad_link_says_what_to_do_in_both_languages(client, two, settings):
    """A customer clicking the link in an old reminder gets more than "Not found": what happened
    and how to reach us, in Dutch and English (the link does not tell us whose it was)."""
    settings.PORTAL_TOKEN_DAYS = 45
    response = client.get(f"/portal/{secrets.token_urlsafe(32)}/")
    assert_plain_404(response)
    text = response.content.decode()
    assert "This link does not work (any more)" in text and "Deze link werkt niet (meer)" in text
    assert "45 days" in text and "45 dagen" in text
    assert settings.COMPANY["email"] in text and settings.COMPANY["phone"] in text
    assert settings.COMPANY["name"] in text


def test_guessed_tokens_get_the_plain_404_and_guessing_is_stopped(client, two, settings):
    settings.PORTAL_FAILED_PER_IP = 5
    for _ in range(4):
        assert_plain_404(client.get(f"/portal/{secrets.token_urlsafe(32)}/"))
    # A near miss of a real token is just as unknown.
    real = token_of(two["path"])
    assert_plain_404(client.get(f"/portal/{real[:-1]}{'B' if real[-1] == 'A' else 'A'}/"))
    # After too many wrong tokens the address is refused, even with a valid link.
    assert client.get(two["path"]).status_code == 429
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert other.get(two["path"]).status_code == 200


def test_expired_link_gets_the_same_404(client, two):
    assert client.get(two["path"]).status_code == 200
    with time_machine.travel(datetime.now(AMS) + timedelta(days=60, minutes=1)):
        assert_plain_404(client.get(two["path"]))
        assert_plain_404(client.get(reverse("portal:paid", args=[token_of(two["path"])])))


def test_revoked_link_gets_the_same_404(client, two):
    revoke_links(customer=two["mine"], by="test")
    assert_plain_404(client.get(two["path"]))
    assert client.get(two["their_path"]).status_code == 200  # only that customer's links


def test_another_customers_invoice_id_is_not_found(client, two):
    token = token_of(two["path"])
    theirs = Invoice.objects.get(number="THEIRS-1")
    assert client.get(reverse("portal:invoice_pdf", args=[token, theirs.pk])).status_code == 404
    # Paying, promising, disputing it: the id is not among this customer's choices.
    client.post(reverse("portal:pay", args=[token]), {"invoices": [theirs.pk]})
    checkout = reverse("portal:demo_checkout", args=[token])
    client.post(checkout, {"invoices": str(theirs.pk)})
    assert not Payment.objects.exists()
    assert Invoice.objects.get(pk=theirs.pk).open_amount == D("999.00")
    dispute = client.post(reverse("portal:dispute", args=[token]), {"invoice": theirs.pk, "reason": "1"})
    assert dispute.status_code == 200 and "THEIRS-1" not in dispute.text
    promise = client.post(
        reverse("portal:promise", args=[token]), {"invoices": [theirs.pk], "promised_date": "2099-01-01"}
    )
    assert promise.status_code == 200 and "THEIRS-1" not in promise.text
    home = client.get(two["path"])
    assert "MINE-1" in home.text and "THEIRS-1" not in home.text


def test_rate_limit_per_address_and_per_token(client, two, settings):
    settings.PORTAL_RATE_PER_TOKEN = 3
    for _ in range(3):
        assert client.get(two["path"]).status_code == 200
    limited = client.get(two["path"])
    assert limited.status_code == 429 and limited["Retry-After"] == "60"
    # Said in both languages, as the page for a dead link: whose link it is is not known yet.
    assert "Wacht een minuut en probeer het dan opnieuw." in limited.text
    assert "Please wait a minute and try again." in limited.text and "css/portal.css" in limited.text
    assert client.get(two["their_path"]).status_code == 200  # another token still works
    settings.PORTAL_RATE_PER_IP = 5
    assert client.get(two["their_path"]).status_code == 429  # 6th request from this address in the minute
    with time_machine.travel(datetime.now(AMS) + timedelta(minutes=1)):
        assert client.get(two["path"]).status_code == 200


def test_forms_need_the_csrf_token(two):
    strict = Client(enforce_csrf_checks=True)
    token = token_of(two["path"])
    response = strict.post(reverse("portal:pay", args=[token]), {"all": "1"})
    assert response.status_code == 403
    page = strict.get(reverse("portal:remittance", args=[token]))
    assert 'name="csrfmiddlewaretoken"' in page.text


def test_tokens_are_stored_only_as_hashes(two):
    raw = token_of(two["path"])
    assert len(raw) >= 43  # secrets.token_urlsafe(32)
    stored = PortalToken.objects.get(customer=two["mine"])
    assert stored.token_hash == hash_token(raw) and raw not in stored.token_hash
    for field in PortalToken._meta.concrete_fields:
        assert getattr(stored, field.attname) != raw


def test_numbers_beyond_any_id_are_simply_not_found(client, two):
    """The portal is public: a tampered form with a 30-digit invoice id is a wrong choice, not a
    server error (SQLite cannot even compare such a number)."""
    token, huge = token_of(two["path"]), "9" * 30
    assert client.get(reverse("portal:invoice_pdf", args=[token, int(huge)])).status_code == 404
    for name in ("dispute", "promise", "plan"):
        # "²" is a digit to str.isdigit() and not to int(): it was a server error too.
        for odd in (huge, "²"):
            assert client.get(reverse(f"portal:{name}", args=[token]), {"invoice": odd}).status_code == 200
    dispute = client.post(reverse("portal:dispute", args=[token]), {"invoice": huge, "reason": huge})
    assert dispute.status_code == 200 and "errorlist" in dispute.text
    promise = client.post(
        reverse("portal:promise", args=[token]), {"invoices": [huge], "promised_date": "2026-12-01"}
    )
    assert promise.status_code == 200 and "errorlist" in promise.text
    plan = {"invoices": [huge], "count": 3, "first_date": "2026-12-01", "confirm": "1"}
    assert client.post(reverse("portal:plan", args=[token]), plan).status_code == 200
    assert client.post(reverse("portal:pay", args=[token]), {"invoices": [huge]}).status_code == 302
    assert client.get(reverse("portal:demo_checkout", args=[token]), {"invoices": huge}).status_code == 302
