"""Template variants: each customer gets one variant of a step's text, stably, recorded with the action."""

from collections import Counter

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from creditmgmt.daily import run_daily
from dunning import services
from dunning.compose import (
    TemplateIndex,
    compose_message,
    current_templates,
    find_template,
    step_template,
    variant_seed,
)
from dunning.models import DunningAction, Message, Procedure, Template
from tests.dunning.conftest import DAY
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db
KEY = "medium-reminder-1"


def two_variants(by, channel="email", language="en"):
    """Variant A and B of the medium first reminder, each with its own recognisable text."""
    a = Template.objects.get(key=KEY, channel=channel, language=language, is_current=True)
    b = services.add_variant(template=a, by=by)
    services.save_template(key=KEY, channel=channel, language=language, subject="A", body="Text A", by=by)
    services.save_template(
        key=KEY, channel=channel, language=language, variant="B", subject="B", body="Text B", by=by
    )
    return a, b


def test_assignment_is_stable_and_spread_evenly():
    variants = [
        Template(key=KEY, channel="email", language="en", variant=label, body=label) for label in "AB"
    ]
    index = TemplateIndex(variants)
    picks = [
        find_template(index, KEY, "email", "en", seed=variant_seed(customer_id, KEY)).variant
        for customer_id in range(1, 1001)
    ]
    counts = Counter(picks)
    assert 450 <= counts["A"] <= 550 and counts["A"] + counts["B"] == 1000, counts
    again = [
        find_template(index, KEY, "email", "en", seed=variant_seed(customer_id, KEY)).variant
        for customer_id in range(1, 1001)
    ]
    assert again == picks  # a hash, not random(): the same customer gets the same variant every time
    # Without a seed (other callers, e.g. inbox replies) the first variant, as before variants existed.
    assert find_template(index, KEY, "email", "en").variant == "A"
    three = TemplateIndex(
        [*variants, Template(key=KEY, channel="email", language="en", variant="C", body="C")]
    )
    spread = Counter(
        find_template(three, KEY, "email", "en", seed=variant_seed(i, KEY)).variant for i in range(1, 1001)
    )
    assert all(280 <= n <= 390 for n in spread.values()) and len(spread) == 3, spread


def test_compose_uses_the_customers_variant_text(manager):
    two_variants(manager)
    step = Procedure.objects.get(code="medium").steps.get(template_key=KEY)
    templates = current_templates()
    seen = Counter()
    for n in range(12):
        customer = CustomerFactory(language="en")
        contact = ContactFactory(customer=customer, email=f"ap{n}@example.com", language="en")
        routing = step_template(customer, step, [contact], templates)
        message = compose_message(
            customer=customer, step=step, cycle=1, routing=routing, invoices=[], today=DAY, costs=0,
            interest=0,
        )  # fmt: skip
        assert message.body.strip() == f"Text {message.template_variant}"
        assert message.subject == message.template_variant
        expected = find_template(templates, KEY, "email", "en", seed=variant_seed(customer.pk, KEY))
        assert message.template_variant == expected.variant
        seen[message.template_variant] += 1
    assert set(seen) == {"A", "B"}  # 12 customers: both variants in use (1 in 2**11 to fail by chance)


def test_the_run_records_the_variant_and_a_rerun_keeps_it(book, manager, mailoutbox):
    two_variants(manager)
    run_daily(DAY.isoformat())
    action = DunningAction.objects.get(customer__number="C2")  # the medium-risk English customer
    message = Message.objects.get(action=action)
    assert action.template_variant == message.template_variant in {"A", "B"}
    assert message.body.startswith(f"Text {action.template_variant}")
    # Customers on a text with a single variant get A; steps without a message get none.
    assert set(DunningAction.objects.exclude(pk=action.pk).values_list("template_variant", flat=True)) == {
        "A"
    }
    run_daily(DAY.isoformat())
    assert DunningAction.objects.get(pk=action.pk).template_variant == action.template_variant
    assert Message.objects.filter(customer__number="C2").count() == 1


def test_a_retired_variant_is_no_longer_sent(manager):
    a, b = two_variants(manager)
    services.retire_variant(
        template=Template.objects.get(key=KEY, channel="email", language="en", variant="B", is_current=True)
    )
    templates = current_templates()
    assert {
        find_template(templates, KEY, "email", "en", seed=variant_seed(i, KEY)).variant for i in range(50)
    } == {"A"}
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="only variant"):
        services.retire_variant(
            template=Template.objects.get(
                key=KEY, channel="email", language="en", variant="A", is_current=True
            )
        )


def test_one_current_version_per_variant():
    a = Template.objects.get(key=KEY, channel="email", language="en", is_current=True)
    assert a.variant == "A"  # the shipped texts became variant A in the migration
    Template.objects.create(key=KEY, channel="email", language="en", variant="B", body="B", version=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Template.objects.create(key=KEY, channel="email", language="en", variant="A", body="x", version=99)
    with pytest.raises(IntegrityError), transaction.atomic():
        Template.objects.create(
            key=KEY, channel="email", language="en", variant="B", body="x", version=1, is_current=False
        )


class TestEditor:
    def test_manager_adds_and_retires_a_variant(self, client, manager):
        client.force_login(manager)
        a = Template.objects.get(key=KEY, channel="email", language="nl", is_current=True)
        response = client.post(reverse("dunning:template_add_variant", args=[a.pk]))
        b = Template.objects.get(key=KEY, channel="email", language="nl", variant="B")
        assert response.status_code == 302 and response.url == reverse("dunning:template_edit", args=[b.pk])
        assert (b.subject, b.body, b.version, b.is_current) == (a.subject, a.body, 1, True)
        page = client.get(response.url)
        assert "variant B" in page.text and "Retire variant B" in page.text
        saved = client.post(response.url, {"subject": "Nieuw", "body": "Andere tekst", "save": "1"})
        assert saved.status_code == 302
        assert (
            Template.objects.get(
                key=KEY, channel="email", language="nl", variant="B", is_current=True
            ).version
            == 2
        )
        assert (
            Template.objects.get(key=KEY, channel="email", language="nl", variant="A", is_current=True).pk
            == a.pk
        )
        current_b = Template.objects.get(
            key=KEY, channel="email", language="nl", variant="B", is_current=True
        )
        retired = client.post(reverse("dunning:template_retire", args=[current_b.pk]), follow=True)
        assert "Variant B retired" in retired.text
        assert not Template.objects.filter(
            key=KEY, channel="email", language="nl", variant="B", is_current=True
        ).exists()
        last = client.post(reverse("dunning:template_retire", args=[a.pk]), follow=True)
        assert "only variant" in last.text and Template.objects.get(pk=a.pk).is_current
        assert client.get(reverse("dunning:template_retire", args=[a.pk])).status_code == 405

    @pytest.mark.parametrize("role", ["controller", "counter_clerk", "sales_rep"])
    def test_only_managers_change_variants(self, client, request, role):
        client.force_login(request.getfixturevalue(role))
        a = Template.objects.get(key=KEY, channel="email", language="nl", is_current=True)
        assert client.post(reverse("dunning:template_add_variant", args=[a.pk])).status_code == 403
        assert client.post(reverse("dunning:template_retire", args=[a.pk])).status_code == 403
        assert (
            Template.objects.filter(key=KEY, channel="email", language="nl").count()
            == Template.objects.filter(key=KEY, channel="email", language="nl", variant="A").count()
        )


def test_a_step_approved_later_records_the_variant_it_sent(manager):
    from tests.dunning.conftest import post

    customer = CustomerFactory(language="nl", address="Kade 1", postal_code="8011 AA", city="Zwolle")
    invoice = post(customer, "F-1", 40)
    letter = Template.objects.get(key="medium-final", channel="letter", language="nl", is_current=True)
    services.add_variant(template=letter, by=manager)
    step = Procedure.objects.get(code="medium").steps.get(template_key="medium-final")
    action = DunningAction.objects.create(
        customer=customer, procedure=step.procedure, step=step, cycle=1, date=DAY, status="waiting",
        invoice_ids=[invoice.pk], amount=invoice.amount, days_overdue=40,
    )  # fmt: skip
    services.approve_action(action=action, by=manager)
    action.refresh_from_db()
    message = Message.objects.get(action=action)
    expected = find_template(
        current_templates(), "medium-final", "letter", "nl", seed=variant_seed(customer.pk, "medium-final")
    )
    assert action.status == "done" and message.channel == "letter"
    assert action.template_variant == message.template_variant == expected.variant
