from datetime import date, timedelta
from decimal import Decimal

import pytest

from acceptance.models import BureauRecord, RuleSet


@pytest.fixture
def bureau(db):
    """Make a bureau report: bureau(kvk, score=..., ...); healthy and ten years old by default."""

    def make(registration_number: str, **fields) -> BureauRecord:
        values = {
            "name": f"Company {registration_number}",
            "city": "Utrecht",
            "postal_code": "3511 AB",
            "legal_form": "bv",
            "founded_on": date.today() - timedelta(days=3650),
            "sector": "wholesale",
            "score": 80,
            "probability_of_default": Decimal("1.00"),
            "rating": "A",
            "recommended_limit": Decimal("40000.00"),
            **fields,
        }
        return BureauRecord.objects.create(registration_number=registration_number, **values)

    return make


@pytest.fixture
def medium(db):
    return RuleSet.objects.get(code="medium")


@pytest.fixture
def fake_bureau():
    """A real bureau HTTP server on loopback (tests/acceptance/fake_bureau.py)."""
    from tests.acceptance.fake_bureau import FakeBureau

    with FakeBureau() as server:
        yield server


@pytest.fixture
def http_bureau(fake_bureau, settings):
    """The settings choose the HTTP provider and point it at the fake bureau; yields the server."""
    settings.ACCEPTANCE_BUREAU_PROVIDER = "http"
    settings.ACCEPTANCE_BUREAU_URL = fake_bureau.url
    settings.ACCEPTANCE_BUREAU_API_KEY = fake_bureau.api_key
    settings.ACCEPTANCE_BUREAU_TIMEOUT = 0.3
    settings.ACCEPTANCE_BUREAU_RETRIES = 2
    settings.ACCEPTANCE_BUREAU_BACKOFF = 0.01
    return fake_bureau
