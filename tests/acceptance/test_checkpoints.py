"""Checkpoints: an amount over the available credit warns, blocks or is ignored, per checkpoint."""

from decimal import Decimal

import pytest
from django.urls import reverse

from acceptance.models import Channel, Checkpoint, Outcome
from acceptance.services import decide
from accounts.models import Task
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def customer(bureau, controller):
    customer = CustomerFactory(
        kvk_number="71000001", credit_limit=D("10000.00"), open_amount=D("4000.00"), controller=controller
    )
    bureau("71000001")
    return customer  # accepted with limit 10,000: 6,000 available


def test_shipped_checkpoints():
    assert dict(Checkpoint.objects.values_list("code", "on_breach")) == {
        "order": "block",
        "delivery": "block",
        "invoice": "warn",
    }


@pytest.mark.parametrize(
    ("checkpoint", "on_breach", "amount", "outcome", "breach", "reason"),
    [
        (
            "order",
            "block",
            "6000.01",
            Outcome.REFER,
            True,
            "more than the available credit: a person decides",
        ),
        ("order", "block", "6000.00", Outcome.ACCEPT, False, "Good bureau score"),
        (
            "order",
            "warn",
            "7000",
            Outcome.ACCEPT,
            True,
            "Note: the amount is more than the available credit of €6,000.00.",
        ),
        ("order", "ignore", "7000", Outcome.ACCEPT, True, "Good bureau score"),
        ("invoice", "warn", "7000", Outcome.ACCEPT, True, "Note:"),
        ("delivery", "block", "7000", Outcome.REFER, True, "a person decides"),
        ("order", "block", None, Outcome.ACCEPT, False, "Good bureau score"),
    ],
)
def test_breach_per_checkpoint(customer, checkpoint, on_breach, amount, outcome, breach, reason):
    Checkpoint.objects.filter(code=checkpoint).update(on_breach=on_breach)
    decision = decide(
        by="t",
        channel=Channel.API,
        customer=customer,
        amount=D(amount) if amount else None,
        checkpoint=checkpoint,
    )
    assert (decision.outcome, decision.breach, decision.checkpoint) == (outcome, breach, checkpoint)
    assert reason in " ".join(decision.reasons_en)
    if outcome == Outcome.REFER:
        assert decision.limit == 0
        assert Task.objects.filter(customer=customer, kind=Task.Kind.REVIEW).exists()
    else:
        assert decision.limit == D("10000.00")


def test_a_checkpoint_without_a_policy_blocks_and_the_snapshot_keeps_only_features(customer):
    Checkpoint.objects.filter(code="invoice").delete()
    decision = decide(by="t", channel=Channel.API, customer=customer, amount=D("7000"), checkpoint="invoice")
    assert (decision.outcome, decision.breach) == (Outcome.REFER, True)
    # The policy and the open-review look came with the features' statement: not kept as features.
    assert "on_breach" not in decision.features and "open_review" not in decision.features


def test_counter_asks_at_delivery(customer):
    decision = decide(by="t", channel=Channel.COUNTER, customer=customer, amount=D("9000"))
    assert decision.checkpoint == "delivery" and decision.outcome == Outcome.REFER


def test_manager_sets_the_checkpoints(client, manager):
    client.force_login(manager)
    assert b"Checkpoints" in client.get(reverse("acceptance:rule_set_list")).content
    response = client.post(
        reverse("acceptance:checkpoint_update"), {"order": "warn", "delivery": "bogus", "invoice": "ignore"}
    )
    assert response.status_code == 302
    assert dict(Checkpoint.objects.values_list("code", "on_breach")) == {
        "order": "warn",
        "delivery": "block",
        "invoice": "ignore",
    }
