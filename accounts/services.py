"""Every change to the ledger goes through these functions.

Each one is keyword-only, runs in one transaction, locks the rows it reads
before it writes them, checks the invariants, writes a timeline Event and
returns the object. `by` is the acting user, or a label for a system actor
("system: daily run", "import: customers.csv").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.bank.references import reference_for_invoice
from accounts.models import (
    ZERO,
    Allocation,
    Contact,
    Customer,
    Event,
    Invoice,
    InvoiceLine,
    Note,
    Payment,
    Task,
    event_target,
)
from creditmgmt import texts
from creditmgmt.models import Role, User
from creditmgmt.rows import RowInsert
from creditmgmt.texts import Text

Actor = User | str
CENT = Decimal("0.01")


class LedgerError(ValidationError):
    """A change that would break a rule of the ledger; the message says which."""


def record_event(
    *,
    customer: Customer | int,
    kind: str,
    verb: str,
    summary: str | Text,
    by: Actor,
    target: Any = None,
    data: dict | None = None,
) -> Event:
    event = build_event(
        customer=customer, kind=kind, verb=verb, summary=summary, by=by, target=target, data=data
    )
    event.save(force_insert=True)
    return event


def build_event(
    *,
    customer: Customer | int,
    kind: str,
    verb: str,
    summary: str | Text,
    by: Actor,
    target: Any = None,
    data: dict | None = None,
) -> Event:
    """An unsaved timeline event, for work that writes many at once (`Event.objects.bulk_create`).

    A `Text` summary is shown in the reader's language; a plain str (a note's words) as written.
    """
    customer_id = customer if isinstance(customer, int) else customer.pk
    return Event(
        customer_id=customer_id,
        kind=kind,
        verb=verb,
        **texts.stored("summary", summary, 300),
        data=data or {},
        **actor_fields(by),
        **event_target(target),
    )


def money(value: Decimal | str | int) -> Decimal:
    amount = Decimal(value)
    if amount != amount.quantize(CENT):
        raise LedgerError(_("Amounts have at most two decimals: %(value)s") % {"value": value})
    return amount.quantize(CENT)


# --- Customers ------------------------------------------------------------

CUSTOMER_FIELDS = {
    "number",
    "name",
    "legal_form",
    "kvk_number",
    "vat_number",
    "address",
    "postal_code",
    "city",
    "country",
    "language",
    "currency",
    "segment",
    "parent",
    "parent_id",
    "controller",
    "controller_id",
    "account_manager",
    "account_manager_id",
    "credit_limit",
    "payment_terms_days",
    "status",
    "risk_class",
}


def create_customer(*, by: Actor, **fields: Any) -> Customer:
    unknown = set(fields) - CUSTOMER_FIELDS
    if unknown:
        raise TypeError(f"Unknown customer fields: {sorted(unknown)}")
    customer = Customer(**fields)
    check_account_manager(customer.account_manager)
    customer.full_clean()
    with transaction.atomic():
        customer.save()
        record_event(
            customer=customer,
            kind=Event.Kind.CUSTOMER,
            verb="created",
            summary=Text(gettext_noop("Customer %(name)s created"), name=customer.name),
            by=by,
            target=customer,
        )
    return customer


def update_customer(
    *, customer: Customer, by: Actor, seen: dict[str, Any] | None = None, **changes: Any
) -> Customer:
    """Change customer details. `seen` holds the values the user started from:
    when someone else changed one of those fields meanwhile, nothing is saved."""
    unknown = set(changes) - CUSTOMER_FIELDS
    if unknown:
        raise TypeError(f"Unknown customer fields: {sorted(unknown)}")
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        conflicts = [
            str(Customer._meta.get_field(field).verbose_name)
            for field, value in (seen or {}).items()
            if field in changes and getattr(customer, field) != value
        ]
        if conflicts:
            raise LedgerError(
                _(
                    "Someone else changed %(fields)s while you were editing. Nothing was saved; "
                    "check the current values and save again."
                )
                % {"fields": ", ".join(conflicts)}
            )
        previous_manager_id = customer.account_manager_id
        changed: dict[str, list[str]] = {}
        for field, value in changes.items():
            old = getattr(customer, field)
            if old != value:
                changed[field] = [str(old), str(value)]
                setattr(customer, field, value)
        if not changed:
            return customer
        _refuse_parent_loop(customer)
        manager_changed = customer.account_manager_id != previous_manager_id
        if manager_changed:
            check_account_manager(customer.account_manager)
            previous_manager = (
                User.objects.filter(pk=previous_manager_id).first() if previous_manager_id else None
            )
        customer.full_clean()
        customer.save()
        if manager_changed:
            changed.pop("account_manager", None)
            changed.pop("account_manager_id", None)
            record_event(by=by, **account_manager_event(customer, previous_manager, customer.account_manager))
        if changed:
            record_event(
                customer=customer,
                kind=Event.Kind.CUSTOMER,
                verb="updated",
                summary=Text(gettext_noop("Customer details changed: %(fields)s"), fields=", ".join(changed)),
                by=by,
                target=customer,
                data={"changes": changed},
            )
    return customer


def is_account_manager_choice(user) -> bool:
    """Only an active user with the sales role can be a customer's account manager."""
    return user is not None and user.is_active and user.role == Role.SALES


def check_account_manager(user) -> None:
    if user is not None and not is_account_manager_choice(user):
        raise LedgerError(
            _("%(user)s cannot be an account manager: only active users with the sales role can.")
            % {"user": user}
        )


def account_manager_event(customer: Customer | int, old, new) -> dict[str, Any]:
    """The timeline event (for record_event or bulk writing) of a change of account manager:
    from whom to whom; the actor says who made the change."""
    nobody = Text(gettext_noop("nobody"))
    return {
        "customer": customer,
        "kind": Event.Kind.CUSTOMER,
        "verb": "account_manager_changed",
        "summary": Text(
            gettext_noop("Account manager changed from %(old)s to %(new)s"),
            old=str(old) if old else nobody,
            new=str(new) if new else nobody,
        ),
        "target": customer if isinstance(customer, Customer) else None,
        "data": {
            "from": {"id": old.pk, "username": old.username} if old else None,
            "to": {"id": new.pk, "username": new.username} if new else None,
        },
    }


def _refuse_parent_loop(customer: Customer) -> None:
    """A company cannot be its own parent, directly or further up the group."""
    seen = {customer.pk}
    parent_id = customer.parent_id
    while parent_id is not None:
        if parent_id in seen:
            raise LedgerError(_("This parent company would make the group a circle."))
        seen.add(parent_id)
        parent_id = Customer.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()


def set_delivery_block(*, customer: Customer, blocked: bool, reason: str | Text, by: Actor) -> Customer:
    """`reason`: a person's words, or a `Text` when a job blocks (the timeline shows it translated)."""
    if isinstance(reason, str):
        reason = reason.strip()
    if blocked and not str(reason).strip():
        raise LedgerError(_("Give a reason for the delivery block."))
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.delivery_blocked == blocked:
            return customer
        customer.delivery_blocked = blocked
        for field, value in texts.stored("delivery_block_reason", reason if blocked else "", 200).items():
            setattr(customer, field, value)
        customer.save(
            update_fields=[
                "delivery_blocked",
                "delivery_block_reason",
                "delivery_block_reason_msgid",
                "delivery_block_reason_params",
                "updated_at",
            ]
        )
        summary = (
            Text(gettext_noop("Delivery block set: %(reason)s"), reason=reason)
            if blocked
            else Text(gettext_noop("Delivery block lifted"))
        )
        record_event(
            customer=customer,
            kind=Event.Kind.CUSTOMER,
            verb="delivery_blocked" if blocked else "delivery_unblocked",
            summary=summary,
            by=by,
            target=customer,
        )
    return customer


def add_contact(*, customer: Customer, by: Actor, **fields: Any) -> Contact:
    contact = Contact(customer=customer, **fields)
    contact.full_clean()
    with transaction.atomic():
        contact.save()
        record_event(
            customer=customer,
            kind=Event.Kind.CONTACT,
            verb="added",
            summary=Text(gettext_noop("Contact %(name)s added"), name=contact.name),
            by=by,
            target=contact,
        )
    return contact


def actor_fields(by: Actor) -> dict[str, Any]:
    """The Event columns for who acted: a user, or a label for system work."""
    if isinstance(by, User):
        return {"actor": by, "actor_label": ""}
    return {"actor": None, "actor_label": str(by)[:100]}


def lock_customer(customer_id: int) -> None:
    """Take the customer's row lock. Every ledger service does this first, so two
    writers on one customer queue (their totals never overwrite each other) and
    locks are always taken in one order: customer, invoice, payment or credit note."""
    Customer.objects.select_for_update().filter(pk=customer_id).values_list("pk", flat=True).first()


def refresh_customer_balance(customer_id: int) -> None:
    """Recompute the customer's stored totals from its documents (same transaction,
    after lock_customer)."""
    totals = Invoice.objects.filter(customer_id=customer_id, status=Invoice.Status.OPEN).aggregate(
        open=Sum("open_amount"),
        oldest=Min("due_date", filter=Q(open_amount__gt=0)),
    )
    unallocated = Payment.objects.filter(customer_id=customer_id).aggregate(total=Sum("unallocated_amount"))[
        "total"
    ]
    Customer.objects.filter(pk=customer_id).update(
        open_amount=totals["open"] or ZERO,
        oldest_open_due_date=totals["oldest"],
        unallocated_amount=unallocated or ZERO,
        updated_at=timezone.now(),
    )


# --- Invoices and credit notes ---------------------------------------------


def post_invoice(
    *,
    customer: Customer,
    number: str,
    issue_date: date,
    due_date: date | None = None,
    amount: Decimal,
    by: Actor,
    currency: str | None = None,
    vat_amount: Decimal = ZERO,
    description: str = "",
    order_reference: str = "",
    lines: Iterable[dict[str, Any]] = (),
) -> Invoice:
    """Post an invoice (positive amount) or a credit note (negative amount)."""
    amount = money(amount)
    if amount == 0:
        raise LedgerError(_("An invoice of zero cannot be posted."))
    currency = (currency or customer.currency).upper()
    if currency != customer.currency:
        raise LedgerError(
            _("Invoice %(number)s is in %(currency)s but the customer is billed in %(own)s.")
            % {"number": number, "currency": currency, "own": customer.currency}
        )
    if due_date is None:
        due_date = issue_date + timedelta(days=customer.payment_terms_days)
    invoice = Invoice(
        customer=customer,
        number=number.strip(),
        issue_date=issue_date,
        due_date=due_date,
        currency=currency,
        amount=amount,
        vat_amount=money(vat_amount),
        open_amount=amount,
        description=description,
        order_reference=order_reference,
    )
    invoice.full_clean()
    with transaction.atomic():
        lock_customer(customer.pk)
        invoice.save()
        if amount > 0:
            # The structured reference the customer pays with; the matching finds the invoice by it.
            invoice.payment_reference = reference_for_invoice(invoice.pk, country=customer.country)
            invoice.save(update_fields=["payment_reference"])
        InvoiceLine.objects.bulk_create(
            InvoiceLine(invoice=invoice, position=i, **line) for i, line in enumerate(lines, 1)
        )
        refresh_customer_balance(customer.pk)
        posted = (
            gettext_noop("Credit note %(number)s posted: %(amount)s, due %(due)s")
            if amount < 0
            else gettext_noop("Invoice %(number)s posted: %(amount)s, due %(due)s")
        )
        record_event(
            customer=customer,
            kind=Event.Kind.INVOICE,
            verb="posted",
            summary=Text(posted, number=invoice.number, amount=texts.money(amount, currency), due=due_date),
            by=by,
            target=invoice,
        )
    return invoice


# --- Payments and allocations ----------------------------------------------


def record_payment(
    *,
    customer: Customer,
    amount: Decimal,
    value_date: date,
    by: Actor,
    currency: str | None = None,
    reference: str = "",
    counterparty_name: str = "",
    counterparty_iban: str = "",
    source: str = Payment.Source.MANUAL,
) -> Payment:
    amount = money(amount)
    if amount <= 0:
        raise LedgerError(_("A payment must be more than zero."))
    currency = (currency or customer.currency).upper()
    if currency != customer.currency:
        raise LedgerError(
            _("The payment is in %(currency)s but the customer is billed in %(own)s.")
            % {"currency": currency, "own": customer.currency}
        )
    with transaction.atomic():
        lock_customer(customer.pk)
        payment = Payment.objects.create(
            customer=customer,
            amount=amount,
            unallocated_amount=amount,
            value_date=value_date,
            currency=currency,
            reference=reference,
            counterparty_name=counterparty_name,
            counterparty_iban=counterparty_iban,
            source=source,
        )
        refresh_customer_balance(customer.pk)
        record_event(
            customer=customer,
            kind=Event.Kind.PAYMENT,
            verb="received",
            summary=Text(
                gettext_noop("Payment of %(amount)s received (%(date)s)"),
                amount=texts.money(amount, currency),
                date=value_date,
            ),
            by=by,
            target=payment,
        )
    return payment


def _settle(invoice: Invoice, on: date) -> None:
    """Set status, paid date and lateness from the open amount and the active allocations.

    The paid date is the value date of the latest payment allocated to it (the
    order in which payments were allocated does not matter); an invoice settled
    by credit notes alone has no lateness: the customer paid nothing.
    """
    if invoice.open_amount == 0:
        latest_payment = (
            Allocation.objects.active()
            .filter(invoice=invoice, payment__isnull=False)
            .aggregate(latest=Max("payment__value_date"))["latest"]
        )
        invoice.status = Invoice.Status.PAID
        invoice.paid_date = latest_payment or on
        invoice.days_late = (
            None
            if invoice.is_credit_note or latest_payment is None
            else (latest_payment - invoice.due_date).days
        )
    else:
        invoice.status = Invoice.Status.OPEN
        invoice.paid_date = None
        invoice.days_late = None
    invoice.save(update_fields=["open_amount", "status", "paid_date", "days_late"])


def allocate(
    *,
    invoice: Invoice,
    by: Actor,
    payment: Payment | None = None,
    credit_note: Invoice | None = None,
    amount: Decimal | None = None,
) -> Allocation:
    """Settle (part of) an invoice with a payment or a credit note.

    Both rows are locked first, so two people allocating at once cannot take
    an invoice below zero or spend a payment twice; the database constraints
    stand behind this.
    """
    if (payment is None) == (credit_note is None):
        raise TypeError("Give exactly one of payment or credit_note")
    with transaction.atomic():
        # Always customer, invoice, then the source: one order, so two allocators queue, never deadlock.
        lock_customer(Invoice.objects.values_list("customer_id", flat=True).get(pk=invoice.pk))
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.is_credit_note:
            raise LedgerError(_("%(number)s is a credit note, not an invoice.") % {"number": invoice.number})
        if payment is not None:
            source = Payment.objects.select_for_update().get(pk=payment.pk)
            available = source.unallocated_amount
            source_customer_id = source.customer_id
            on = source.value_date
            source_label = _("payment of %(date)s") % {"date": source.value_date.isoformat()}
        else:
            source = Invoice.objects.select_for_update().get(pk=credit_note.pk)  # type: ignore[union-attr]
            if not source.is_credit_note:
                raise LedgerError(_("%(number)s is not a credit note.") % {"number": source.number})
            available = -source.open_amount
            source_customer_id = source.customer_id
            on = timezone.localdate()
            source_label = _("credit note %(number)s") % {"number": source.number}
        if source_customer_id != invoice.customer_id:
            raise LedgerError(_("The payment and the invoice belong to different customers."))
        if source.currency != invoice.currency:
            raise LedgerError(_("The payment and the invoice are in different currencies."))
        if invoice.status != Invoice.Status.OPEN or invoice.open_amount <= 0:
            raise LedgerError(_("Invoice %(number)s has nothing left to pay.") % {"number": invoice.number})
        if available <= 0:
            raise LedgerError(_("Nothing of the %(source)s is left to allocate.") % {"source": source_label})
        amount = min(available, invoice.open_amount) if amount is None else money(amount)
        if amount <= 0:
            raise LedgerError(_("Allocate more than zero."))
        if amount > invoice.open_amount:
            raise LedgerError(
                _("Only %(open)s is open on invoice %(number)s; %(amount)s is too much.")
                % {"open": invoice.open_amount, "number": invoice.number, "amount": amount}
            )
        if amount > available:
            raise LedgerError(
                _("Only %(available)s of the %(source)s is left; %(amount)s is too much.")
                % {"available": available, "source": source_label, "amount": amount}
            )

        if payment is not None:
            source.unallocated_amount -= amount
            source.save(update_fields=["unallocated_amount"])
        else:
            source.open_amount += amount
            _settle(source, on)
        invoice.open_amount -= amount
        allocation = Allocation.objects.create(
            invoice=invoice,
            payment=source if payment is not None else None,
            credit_note=source if credit_note is not None else None,
            amount=amount,
            created_by=by if isinstance(by, User) else None,
        )
        _settle(invoice, on)  # after the allocation exists: the paid date comes from it
        refresh_customer_balance(invoice.customer_id)
        record_event(
            customer=invoice.customer_id,
            kind=Event.Kind.ALLOCATION,
            verb="allocated",
            summary=Text(
                gettext_noop("%(amount)s of the payment of %(date)s allocated to invoice %(number)s")
                if payment is not None
                else gettext_noop(
                    "%(amount)s of credit note %(credit_note)s allocated to invoice %(number)s"
                ),
                amount=texts.money(amount, invoice.currency),
                date=source.value_date if payment is not None else None,
                credit_note=source.number if payment is None else None,
                number=invoice.number,
            ),
            by=by,
            target=invoice,
            data={"allocation": allocation.pk, "invoice_open": str(invoice.open_amount)},
        )
    return allocation


def receive_payment(
    *,
    customer: Customer,
    amount: Decimal,
    value_date: date,
    by: Actor,
    reference: str = "",
    allocate_oldest: bool = False,
) -> Payment:
    """Record a payment and, if asked, spend it on the oldest open invoices: all or nothing."""
    with transaction.atomic():
        payment = record_payment(
            customer=customer, amount=amount, value_date=value_date, reference=reference, by=by
        )
        if allocate_oldest:
            allocate_oldest_first(payment=payment, by=by)
    return payment


def allocate_oldest_first(*, payment: Payment, by: Actor) -> list[Allocation]:
    """Spend a payment on the customer's open invoices, oldest due date first."""
    allocations = []
    with transaction.atomic():
        left = Payment.objects.values_list("unallocated_amount", flat=True).get(pk=payment.pk)
        invoices = Invoice.objects.filter(
            customer_id=payment.customer_id, status=Invoice.Status.OPEN, open_amount__gt=0
        ).order_by("due_date", "id")
        for invoice in invoices:
            if left <= 0:
                break
            allocation = allocate(invoice=invoice, payment=payment, by=by)
            left -= allocation.amount
            allocations.append(allocation)
    return allocations


def unallocate(*, allocation: Allocation, by: Actor) -> Allocation:
    """Undo an allocation: the invoice reopens, the payment or credit note is free again."""
    with transaction.atomic():
        lock_customer(Invoice.objects.values_list("customer_id", flat=True).get(pk=allocation.invoice_id))
        allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
        if allocation.reversed_at is not None:
            raise LedgerError(_("This allocation was already undone."))
        invoice = Invoice.objects.select_for_update().get(pk=allocation.invoice_id)
        if allocation.payment_id:
            payment = Payment.objects.select_for_update().get(pk=allocation.payment_id)
            payment.unallocated_amount += allocation.amount
            payment.save(update_fields=["unallocated_amount"])
        else:
            credit_note = Invoice.objects.select_for_update().get(pk=allocation.credit_note_id)
            credit_note.open_amount -= allocation.amount
            _settle(credit_note, timezone.localdate())
        invoice.open_amount += allocation.amount
        _settle(invoice, timezone.localdate())
        allocation.reversed_at = timezone.now()
        allocation.reversed_by = by if isinstance(by, User) else None
        allocation.save(update_fields=["reversed_at", "reversed_by"])
        refresh_customer_balance(invoice.customer_id)
        record_event(
            customer=invoice.customer_id,
            kind=Event.Kind.ALLOCATION,
            verb="unallocated",
            summary=Text(
                gettext_noop("Allocation of %(amount)s to invoice %(number)s undone"),
                amount=texts.money(allocation.amount, invoice.currency),
                number=invoice.number,
            ),
            by=by,
            target=invoice,
            data={"allocation": allocation.pk},
        )
    return allocation


# --- Notes and tasks --------------------------------------------------------


def add_note(*, customer: Customer, text: str, by: Actor) -> Note:
    text = text.strip()
    if not text:
        raise LedgerError(_("A note cannot be empty."))
    with transaction.atomic():
        note = Note.objects.create(customer=customer, text=text, author=by if isinstance(by, User) else None)
        record_event(
            customer=customer,
            kind=Event.Kind.NOTE,
            verb="added",
            summary=text[:300],
            by=by,
            target=note,
        )
    return note


# Written once (creditmgmt.rows): every referred credit decision adds a review task, and the ORM's
# create() spent ~0.5 ms of Python on it. Task has no save() of its own and no save signals.
_TASK_INSERT = RowInsert(Task)


def create_task(
    *,
    customer: Customer,
    title: str | Text,
    due_date: date,
    by: Actor,
    kind: str = Task.Kind.FOLLOW_UP,
    assignee: User | None = None,
    priority: int = Task.Priority.NORMAL,
    invoice: Invoice | None = None,
    events: list[Event] | None = None,
) -> Task:
    """A task for the customer's controller (or `assignee`), with its timeline event.

    `events` collects the event unsaved, for a caller that writes its events in one INSERT before
    its transaction ends (a referred API decision).
    """
    if isinstance(title, str):
        title = title.strip()  # typed by a person: shown as written
    if not str(title).strip():
        raise LedgerError(_("A task needs a title."))
    # Inside a caller's transaction no savepoint (two round trips): an error undoes it all anyway.
    with transaction.atomic(savepoint=False):
        task = _TASK_INSERT.save(
            Task(
                customer=customer,
                **texts.stored("title", title, 200),
                due_date=due_date,
                kind=kind,
                # The id: reading customer.controller would fetch the user only to take its id.
                assignee_id=assignee.pk if assignee is not None else customer.controller_id,
                priority=priority,
                invoice=invoice,
            )
        )
        event = build_event(
            customer=customer,
            kind=Event.Kind.TASK,
            verb="created",
            summary=Text(
                gettext_noop("Task planned for %(date)s: %(title)s"), date=due_date, title=task.title_message
            ),
            by=by,
            target=task,
        )
        if events is None:
            event.save(force_insert=True)
        else:
            events.append(event)
    return task


def _locked_open_task(task: Task) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status != Task.Status.OPEN:
        raise LedgerError(
            _("This task is already %(status)s.") % {"status": task.get_status_display().lower()}
        )
    return task


def complete_task(*, task: Task, outcome: str, by: Actor, note: str = "") -> Task:
    if outcome not in Task.Outcome.values:
        raise LedgerError(_("Choose an outcome."))
    with transaction.atomic():
        task = _locked_open_task(task)
        task.status = Task.Status.DONE
        task.outcome = outcome
        task.outcome_note = note.strip()
        task.completed_at = timezone.now()
        task.completed_by = by if isinstance(by, User) else None
        task.save()
        summary = (
            Text(
                gettext_noop("Task done: %(title)s — %(outcome)s (%(note)s)"),
                title=task.title_message,
                outcome=Task.Outcome(outcome),
                note=task.outcome_note,
            )
            if task.outcome_note
            else Text(
                gettext_noop("Task done: %(title)s — %(outcome)s"),
                title=task.title_message,
                outcome=Task.Outcome(outcome),
            )
        )
        record_event(
            customer=task.customer_id,
            kind=Event.Kind.TASK,
            verb="completed",
            summary=summary,
            by=by,
            target=task,
        )
    return task


def close_tasks(*, reasons: dict[int, str], by: Actor) -> int:
    """Close open tasks nobody needs to do any more, each with why (`reasons`: task id -> why).

    For the daily run: the reason of an exception went away, or the procedure moved on past the
    step that made the task. The task is cancelled, not done (nobody did it, so it does not count
    as work done in the controllers' figures), with the reason as its note and a timeline event.
    Set-based: one locking read, one UPDATE per 500 tasks, one INSERT of events; a task a person
    closed meanwhile is left alone. Returns how many were closed.
    """
    if not reasons:
        return 0
    now = timezone.now()
    with transaction.atomic():
        tasks = list(
            Task.objects.select_for_update()
            .filter(pk__in=list(reasons), status=Task.Status.OPEN)
            .only("pk", "customer_id", "title", "title_msgid", "title_params")
            .order_by("pk")
        )
        for task in tasks:
            task.status = Task.Status.CANCELLED
            task.outcome = Task.Outcome.NO_ACTION
            task.outcome_note = reasons[task.pk]
            task.completed_at = now
            task.completed_by = by if isinstance(by, User) else None
        Task.objects.bulk_update(
            tasks, ["status", "outcome", "outcome_note", "completed_at", "completed_by"], batch_size=500
        )
        Event.objects.bulk_create(
            [
                Event(
                    customer_id=task.customer_id,
                    kind=Event.Kind.TASK,
                    verb="closed",
                    **texts.stored(
                        "summary",
                        Text(
                            gettext_noop("Task closed: %(title)s — %(why)s"),
                            title=task.title_message,
                            why=reasons[task.pk],  # written in the closer's language
                        ),
                        300,
                    ),
                    data={"why": reasons[task.pk]},
                    **actor_fields(by),
                    **event_target(task),
                )
                for task in tasks
            ]
        )
    return len(tasks)


def snooze_task(*, task: Task, until: date, by: Actor) -> Task:
    if until <= timezone.localdate():
        raise LedgerError(_("Snooze until a day after today."))
    with transaction.atomic():
        task = _locked_open_task(task)
        old = task.due_date
        task.due_date = until
        task.snooze_count += 1
        task.save(update_fields=["due_date", "snooze_count"])
        record_event(
            customer=task.customer_id,
            kind=Event.Kind.TASK,
            verb="snoozed",
            summary=Text(
                gettext_noop("Task moved from %(old)s to %(new)s: %(title)s"),
                old=old,
                new=until,
                title=task.title_message,
            ),
            by=by,
            target=task,
        )
    return task


def reassign_task(*, task: Task, assignee: User, by: Actor) -> Task:
    if not assignee.is_active:
        raise LedgerError(_("%(user)s is not an active user.") % {"user": assignee})
    with transaction.atomic():
        task = _locked_open_task(task)
        task.assignee = assignee
        task.save(update_fields=["assignee"])
        record_event(
            customer=task.customer_id,
            kind=Event.Kind.TASK,
            verb="reassigned",
            summary=Text(
                gettext_noop("Task handed to %(user)s: %(title)s"),
                user=str(assignee),
                title=task.title_message,
            ),
            by=by,
            target=task,
        )
    return task


# --- Invoice copies -----------------------------------------------------------


def send_invoice_copy(*, invoice: Invoice, to: str, by: Actor) -> Invoice:
    """Mail a PDF copy of the invoice; the worker sends it after the commit and then
    writes it on the timeline. (Dunning's outbox will carry this once it exists.)"""
    from django.core.validators import validate_email
    from django_q.tasks import async_task

    to = to.strip()
    try:
        validate_email(to)
    except ValidationError:
        raise LedgerError(_("%(address)s is not an e-mail address.") % {"address": to}) from None
    # The timeline records the copy when the worker has sent it (accounts.tasks).
    requested_by = by.pk if isinstance(by, User) else None
    transaction.on_commit(
        lambda: async_task("accounts.tasks.deliver_invoice_copy", invoice.pk, to, requested_by)
    )
    return invoice
