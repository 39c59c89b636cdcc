"""The demo data generator: deterministic, valid, and consistent with the ledger rules."""

import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, Sum
from stdnum import iban
from stdnum.eu import vat as eu_vat
from stdnum.nl import postcode

from accounts import demo, services
from accounts.models import (
    ZERO,
    Allocation,
    Contact,
    Customer,
    Event,
    Invoice,
    Note,
    Payment,
    Task,
)
from creditmgmt.models import Role, User

TODAY = date(2026, 3, 16)  # a Monday
SIZE = 60
SEED = 7


def seed(size: int = SIZE, seed: int = SEED, **kwargs) -> demo.SeedResult:
    return demo.seed(customers=size, seed=seed, today=TODAY, **kwargs)


def snapshot() -> dict:
    return {
        "customers": list(
            Customer.objects.order_by("number").values_list(
                "number",
                "name",
                "kvk_number",
                "vat_number",
                "city",
                "status",
                "segment",
                "credit_limit",
                "open_amount",
                "unallocated_amount",
                "controller__username",
            )
        ),
        "invoices": list(
            Invoice.objects.order_by("number").values_list(
                "number", "customer__number", "issue_date", "amount", "open_amount", "status"
            )
        ),
        "payments": list(
            Payment.objects.order_by("id").values_list("value_date", "amount", "unallocated_amount")
        ),
        "notes": list(Note.objects.order_by("id").values_list("text", flat=True)),
        "tasks": list(
            Task.objects.order_by("id").values_list("title", "due_date", "priority", "assignee__username")
        ),
        "events": list(Event.objects.order_by("id").values_list("created_at", "summary")),
    }


def wipe() -> None:
    Event.objects.all().delete()
    Task.objects.all().delete()
    Note.objects.all().delete()
    Allocation.objects.all().delete()
    Payment.objects.all().delete()
    Invoice.objects.all().delete()
    Contact.objects.all().delete()
    Customer.objects.filter(parent__isnull=False).delete()
    Customer.objects.all().delete()


def planned_rows(seed_value: int) -> list[tuple]:
    """Every column of every planned row, without touching the database."""
    staff = {name: n for n, (name, *_rest) in enumerate(demo.DEMO_USERS, 1)}
    content_types = {model: n for n, model in enumerate(demo.Ids.MODELS, 1)}
    planner = demo.Planner(seed=seed_value, today=TODAY, staff=staff, content_types=content_types)
    rows = []
    for batch in planner.batches(40, chunk=15):
        for name in demo.Batch.ORDER:
            for obj in getattr(batch, name):
                values = obj.__dict__
                rows.append(
                    (
                        name,
                        *(
                            values[f.attname]
                            for f in type(obj)._meta.concrete_fields
                            if f.attname != "updated_at"
                        ),
                    )
                )
    return rows


def test_the_plan_is_the_same_for_the_same_seed_and_differs_for_another():
    first = planned_rows(11)
    assert first == planned_rows(11)
    assert first != planned_rows(12)


@pytest.mark.django_db
def test_same_seed_gives_the_same_book_in_a_fresh_database():
    result = seed()
    first = snapshot()
    assert len(first["customers"]) == SIZE
    assert result.counts["invoices"] == len(first["invoices"])
    wipe()
    seed()
    assert snapshot() == first


@pytest.mark.django_db
def test_sizes_and_spread():
    result = seed(90)
    counts = result.counts
    assert counts["customers"] == 90
    # About ten invoices per customer, and not the same number for everyone.
    assert 6 * 90 <= counts["invoices"] <= 15 * 90
    per_customer = Customer.objects.annotate(n=Count("invoices")).values_list("n", flat=True)
    assert len(set(per_customer)) > 5
    assert set(Customer.objects.values_list("status", flat=True)) == set(Customer.Status.values)
    assert set(Customer.objects.values_list("segment", flat=True)) == set(Customer.Segment.values)
    assert {"NL", "BE", "DE"} >= set(Customer.objects.values_list("country", flat=True)) >= {"NL"}
    assert Customer.objects.filter(parent__isnull=False).exists()
    blocked = Customer.objects.filter(delivery_blocked=True)
    assert blocked.exists()
    assert all(reason for reason in blocked.values_list("delivery_block_reason", flat=True))
    assert Invoice.objects.filter(amount__lt=0).exists()  # credit notes
    assert Payment.objects.filter(unallocated_amount__gt=0).exists()  # overpayments
    # Some invoices were paid in more than one part.
    assert Allocation.objects.values("invoice").annotate(n=Count("id")).filter(n__gt=1).exists()
    amounts = Invoice.objects.filter(amount__gt=0).values_list("amount", flat=True)
    assert min(amounts) >= Decimal("150.00") and max(amounts) <= Decimal("25000.00")
    contacts = Customer.objects.annotate(n=Count("contacts")).values_list("n", flat=True)
    assert min(contacts) >= 1 and max(contacts) <= 3
    assert not Contact.objects.filter(email="").exists()


@pytest.mark.django_db
def test_registration_numbers_addresses_and_bank_accounts_are_valid():
    seed()
    kvks = [k for k in Customer.objects.values_list("kvk_number", flat=True) if k]
    assert kvks and all(re.fullmatch(r"\d{8}", kvk) for kvk in kvks)
    assert len(kvks) == len(set(kvks))
    assert not Customer.objects.filter(country="NL", kvk_number="").exclude(legal_form="person").exists()
    vats = [v for v in Customer.objects.values_list("vat_number", flat=True) if v]
    assert vats and all(eu_vat.is_valid(vat) for vat in vats)
    for vat in (
        Customer.objects.filter(country="NL").exclude(vat_number="").values_list("vat_number", flat=True)
    ):
        assert re.fullmatch(r"NL\d{9}B\d{2}", vat)
    for customer in Customer.objects.all():
        customer.full_clean()  # the model's own validators (KvK, VAT, choices, lengths)
        if customer.country == "NL":
            assert postcode.is_valid(customer.postal_code), customer.postal_code
            assert re.fullmatch(r"\d{4} [A-Z]{2}", customer.postal_code)
        assert re.search(r"\d", customer.address)
    ibans = set(Payment.objects.values_list("counterparty_iban", flat=True))
    assert ibans and all(iban.is_valid(number) for number in ibans)
    for contact in Contact.objects.all():
        contact.full_clean()


@pytest.mark.django_db
def test_ledger_invariants_hold():
    result = seed()
    allocated = defaultdict(lambda: ZERO)
    used_credit = defaultdict(lambda: ZERO)
    by_payment = defaultdict(lambda: ZERO)
    last_settled = {}
    for alloc in Allocation.objects.active().select_related("payment", "credit_note"):
        assert alloc.amount > 0
        allocated[alloc.invoice_id] += alloc.amount
        if alloc.payment_id:
            by_payment[alloc.payment_id] += alloc.amount
            on = alloc.payment.value_date
            assert alloc.payment.customer_id == alloc.invoice.customer_id
        else:
            used_credit[alloc.credit_note_id] += alloc.amount
            on = alloc.credit_note.issue_date
        last_settled[alloc.invoice_id] = max(on, last_settled.get(alloc.invoice_id, on))
    for cn_id in used_credit:
        last_settled[cn_id] = Invoice.objects.get(pk=cn_id).issue_date
    for invoice in Invoice.objects.all():
        if invoice.amount > 0:
            assert ZERO <= invoice.open_amount <= invoice.amount
            assert allocated[invoice.pk] == invoice.amount - invoice.open_amount, invoice.number
        else:
            assert invoice.amount <= invoice.open_amount <= ZERO
            assert used_credit[invoice.pk] == invoice.open_amount - invoice.amount, invoice.number
        assert invoice.due_date >= invoice.issue_date
        assert invoice.issue_date <= TODAY
        if invoice.open_amount == 0:
            assert invoice.status == Invoice.Status.PAID
            assert invoice.paid_date == last_settled[invoice.pk]
            assert invoice.days_late == (invoice.paid_date - invoice.due_date).days
        else:
            assert invoice.status == Invoice.Status.OPEN
            assert invoice.paid_date is None and invoice.days_late is None
        if invoice.amount > 0 and invoice.vat_amount:  # 21% VAT inside the amount, or reverse charge
            assert abs(invoice.vat_amount - invoice.amount * 21 / 121) <= Decimal("0.01")
    for payment in Payment.objects.all():
        assert payment.unallocated_amount == payment.amount - by_payment[payment.pk]
        assert payment.value_date <= TODAY
        assert payment.value_date.weekday() < 5
    stored = {
        c.pk: (c.open_amount, c.oldest_open_due_date, c.unallocated_amount) for c in Customer.objects.all()
    }
    for customer in Customer.objects.all():
        open_invoices = customer.invoices.filter(status=Invoice.Status.OPEN)
        assert customer.open_amount == (open_invoices.aggregate(total=Sum("open_amount"))["total"] or ZERO)
        services.refresh_customer_balance(customer.pk)  # the services' own definition agrees
    assert {
        c.pk: (c.open_amount, c.oldest_open_due_date, c.unallocated_amount) for c in Customer.objects.all()
    } == stored
    assert sum(c[0] for c in stored.values()) > 0
    assert result.counts["allocations"] == Allocation.objects.count()


@pytest.mark.django_db
def test_every_behaviour_profile_appears_and_behaves():
    result = seed()
    assert set(result.profiles) == set(demo.PROFILES)
    assert all(result.profiles[p] > 0 for p in demo.PROFILES)
    lateness = defaultdict(list)
    for customer_id, days_late in Invoice.objects.filter(amount__gt=0, status="paid").values_list(
        "customer_id", "days_late"
    ):
        lateness[result.profile_of[customer_id]].append(days_late)
    average = {p: sum(days) / len(days) for p, days in lateness.items() if days}
    assert average["on_time"] <= 0
    assert average["structurally_late"] > 15
    defaulting = [cid for cid, p in result.profile_of.items() if p == "defaulting"]
    for customer in Customer.objects.filter(pk__in=defaulting):
        assert customer.open_amount > 0 and customer.oldest_open_due_date < TODAY - timedelta(days=30)
        assert customer.delivery_blocked
    disputing = [cid for cid, p in result.profile_of.items() if p == "disputing"]
    assert Invoice.objects.filter(
        customer_id__in=disputing, status="open", due_date__lt=TODAY - timedelta(days=30)
    ).exists()


@pytest.mark.django_db
def test_timeline_notes_and_tasks_look_real():
    seed()
    events = Event.objects.all()
    assert events.filter(kind=Event.Kind.INVOICE, verb="posted").count() == Invoice.objects.count()
    assert events.filter(kind=Event.Kind.PAYMENT, verb="received").count() == Payment.objects.count()
    assert events.filter(kind=Event.Kind.ALLOCATION).count() == Allocation.objects.count()
    assert events.filter(kind=Event.Kind.NOTE).count() == Note.objects.count() > 0
    # Historical dates, not the moment of seeding.
    days = {moment.date() for moment in events.values_list("created_at", flat=True)}
    assert min(days) < TODAY - timedelta(days=365) and len(days) > 100
    assert max(events.values_list("created_at", flat=True)).date() <= TODAY
    # The timeline's targets exist.
    invoice_event = events.filter(kind=Event.Kind.INVOICE).first()
    assert isinstance(invoice_event.target, Invoice)
    assert invoice_event.created_at.date() == invoice_event.target.issue_date
    note = Note.objects.first()
    assert note.author.role == Role.CONTROLLER and note.created_at.date() <= TODAY
    # Each controller has a worklist today: open tasks due today or earlier, several priorities.
    for username in demo.CONTROLLERS:
        mine = Task.objects.open().filter(assignee__username=username)
        assert mine.filter(due_date__lte=TODAY).exists(), username
    open_tasks = Task.objects.open()
    assert open_tasks.filter(due_date=TODAY).exists() and open_tasks.filter(due_date__lt=TODAY).exists()
    assert len(set(open_tasks.values_list("priority", flat=True))) >= 3
    assert Task.objects.filter(status=Task.Status.DONE).exclude(outcome="").exists()


@pytest.mark.django_db
def test_every_role_has_a_user_who_can_sign_in():
    seed(5)
    for role in Role.values:
        assert User.objects.filter(role=role).exists(), role
    for username, role, *_rest in demo.DEMO_USERS:
        user = authenticate(username=username, password=demo.DEMO_PASSWORD)
        assert user is not None and user.role == role
    assert User.objects.get(username="mark").groups.filter(name=Role.MANAGER).exists()
    # Seeding again reuses the users and adds customers with new numbers.
    seed(5, seed=8)
    assert User.objects.count() == len(demo.DEMO_USERS)
    assert Customer.objects.count() == 10


@pytest.mark.django_db
def test_demo_sales_users_are_account_managers_of_the_companies():
    seed(40)
    managed = Customer.objects.filter(account_manager__isnull=False)
    assert set(managed.values_list("account_manager__username", flat=True)) == set(demo.SALES)
    assert set(managed.values_list("account_manager__role", flat=True)) == {Role.SALES}
    assert not managed.filter(segment=Customer.Segment.CONSUMER).exists()
    # A group has one account manager; some customers have none, so the old rule still counts.
    for parent in Customer.objects.filter(subsidiaries__isnull=False).distinct():
        assert {c.account_manager_id for c in parent.subsidiaries.all()} == {parent.account_manager_id}
    assert Customer.objects.filter(account_manager__isnull=True).exists()


@pytest.mark.django_db
def test_command_if_empty_does_nothing_the_second_time():
    out = StringIO()
    call_command("seed_demo", "--customers=8", "--seed=3", "--today=2026-03-16", "--if-empty", stdout=out)
    assert "Done in" in out.getvalue()
    counts = (Customer.objects.count(), Invoice.objects.count(), Event.objects.count())
    assert counts[0] == 8
    out = StringIO()
    call_command("seed_demo", "--customers=8", "--seed=3", "--if-empty", stdout=out)
    assert "nothing seeded" in out.getvalue()
    assert (Customer.objects.count(), Invoice.objects.count(), Event.objects.count()) == counts

    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000" in text and demo.DEMO_PASSWORD in text
    for username, *_rest in demo.DEMO_USERS:
        assert username in text


@pytest.mark.django_db
def test_big_customer_has_the_asked_invoices_and_events():
    seed(3)
    customer = demo.seed_big_customer(invoices=60, events=400, today=TODAY)
    assert customer.invoices.filter(amount__gt=0).count() == 60
    assert customer.events.count() == 400
    stored = Customer.objects.get(pk=customer.pk)
    services.refresh_customer_balance(customer.pk)
    assert Customer.objects.get(pk=customer.pk).open_amount == stored.open_amount


DUTCH_WORDS = re.compile(r"\b(Bellen|factuur|facturen|dagen|Geschil|uitzoeken|controleren|goedkeuren)\b")
ENGLISH_WORDS = re.compile(r"\b(Call|invoices?|days|Look into|Check|Approve)\b")


@pytest.mark.django_db
def test_demo_task_titles_are_in_the_readers_language():
    """Demo tasks are stored as the services store theirs (a message id and parameters), so an
    English reader sees English titles and timeline lines, a Dutch reader Dutch ones."""
    from django.utils import translation

    seed()
    tasks = list(Task.objects.all())
    assert len({task.kind for task in tasks}) >= 4
    assert all(task.title_msgid for task in tasks)
    summaries = list(Event.objects.filter(kind=Event.Kind.TASK))
    with translation.override("en"):
        english = [task.title_text for task in tasks] + [e.summary_text for e in summaries]
    with translation.override("nl"):
        dutch = [task.title_text for task in tasks] + [e.summary_text for e in summaries]
    assert not [text for text in english if DUTCH_WORDS.search(text)]
    assert not [text for text in dutch if ENGLISH_WORDS.search(text)]
    assert all(en != nl for en, nl in zip(english, dutch, strict=True))
