"""Checking the lines against the models and the database: new, changed, unchanged or error."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.imports.base import CHANGED, NEW, UNCHANGED
from accounts.imports.lines import Line, _display
from accounts.models import Allocation, Customer, Invoice, Payment
from accounts.services import is_account_manager_choice
from creditmgmt.models import User

# Numbers per IN (...) query: SQLite and PostgreSQL both take this many parameters.
CHUNK = 2000


def _chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _by_number(queryset: models.QuerySet, numbers: Iterable[str], *, lock: bool) -> dict[str, Any]:
    found = {}
    for chunk in _chunks(sorted(numbers)):
        qs = queryset.filter(number__in=chunk).order_by("pk")
        if lock:
            qs = qs.select_for_update()
        found.update({obj.number: obj for obj in qs})
    return found


def _check_numbers(lines: list[Line], label: str) -> set[str]:
    """Every line needs a number, and a number only once in the file."""
    first: dict[str, int] = {}
    for line in lines:
        line.number = line.values.get("number", "")
        if not line.number:
            if not line.has_error("number"):
                line.add_error("number", _("A %(what)s is required.") % {"what": label})
        elif line.number in first:
            line.add_error(
                "number",
                _("%(number)s appears more than once in the file (first on line %(first)s).")
                % {"number": line.number, "first": first[line.number]},
            )
        else:
            first[line.number] = line.line
    return set(first)


def _model_errors(line: Line, obj: models.Model, exclude: Iterable[str]) -> None:
    """The model's own field validation (validate_kvk, validate_vat, lengths, choices).

    Uniqueness and constraints are not checked here (they would cost one query
    per line): numbers are unique by the upsert, and the checks the constraints
    make are done in Python by the callers.
    """
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for fieldname, messages in exc.message_dict.items():
            column = "" if fieldname == NON_FIELD_ERRORS else fieldname
            if column and line.has_error(column):
                continue
            for message in messages:
                line.add_error(column, message)


def _compare(line: Line, current: models.Model, obj: models.Model, attrs: Iterable[str], show) -> None:
    for attr in attrs:
        old, new = getattr(current, attr), getattr(obj, attr)
        if old != new:
            name = attr.removesuffix("_id")
            line.update_fields.append(name)
            line.changes[name] = (show(name, old), show(name, new))


# --- customers


CUSTOMER_ATTRS = [
    "name", "legal_form", "kvk_number", "vat_number", "address", "postal_code", "city",
    "country", "language", "currency", "segment", "credit_limit", "payment_terms_days",
    "status", "risk_class", "controller_id", "parent_id", "account_manager_id",
]  # fmt: skip


def _check_customers(lines: list[Line], *, lock: bool) -> None:
    numbers = _check_numbers(lines, _("customer number"))
    parents = {line.values["parent"] for line in lines if "parent" in line.values}
    existing = _by_number(Customer.objects.all(), numbers | parents, lock=lock)
    id_to_number = {c.pk: c.number for c in existing.values()}
    missing_parent_ids = {c.parent_id for c in existing.values() if c.parent_id} - set(id_to_number)
    for chunk in _chunks(missing_parent_ids):
        id_to_number.update(Customer.objects.filter(pk__in=chunk).values_list("pk", "number"))
    users = {
        u.username.casefold(): u
        for u in User.objects.filter(is_active=True).only("pk", "username", "email", "role")
    }
    usernames = {u.pk: u.username for u in users.values()}
    # An account manager is named by username or e-mail address.
    by_email = {u.email.casefold(): u for u in users.values() if u.email}
    # Former account managers who have left still show by name in the preview.
    gone = {c.account_manager_id for c in existing.values() if c.account_manager_id} - set(usernames)
    if gone:
        usernames.update(User.objects.filter(pk__in=gone).values_list("pk", "username"))
    # Customers whose currency is fixed because documents exist in it.
    currency_changes = {
        c.pk
        for line in lines
        if (c := existing.get(line.number)) and line.values.get("currency") not in (None, c.currency)
    }
    with_documents: set[int] = set()
    for chunk in _chunks(currency_changes):
        with_documents |= set(
            Invoice.objects.filter(customer_id__in=chunk).values_list("customer_id", flat=True)
        )
        with_documents |= set(
            Payment.objects.filter(customer_id__in=chunk).values_list("customer_id", flat=True)
        )

    def show(name: str, value: Any) -> str:
        if name == "parent":
            return id_to_number.get(value, "—") if value else "—"
        if name in ("controller", "account_manager"):
            return usernames.get(value, str(value)) if value else "—"
        return _display(name, value)

    parent_of: dict[str, str] = {}
    for line in lines:
        given = line.values
        current = existing.get(line.number) if line.number in numbers else None
        if current is None and not given.get("name") and not line.has_error("name"):
            line.add_error("name", _("A new customer needs a name."))
        obj = copy.copy(current) if current is not None else Customer()
        for name, value in given.items():
            if name == "controller":
                user = users.get(value.casefold())
                if user is None:
                    line.add_error(
                        name, _("There is no active user with username %(value)s.") % {"value": value}
                    )
                else:
                    obj.controller_id = user.pk
            elif name == "account_manager":
                user = users.get(value.casefold()) or by_email.get(value.casefold())
                if user is None:
                    line.add_error(
                        name,
                        _("There is no active user with username or e-mail address %(value)s.")
                        % {"value": value},
                    )
                elif not is_account_manager_choice(user):
                    line.add_error(
                        name,
                        _("%(value)s is not a sales user: only active users with the sales role can be "
                          "account managers.") % {"value": value},
                    )  # fmt: skip
                else:
                    obj.account_manager_id = user.pk
            elif name == "parent":
                if value == line.number:
                    line.add_error(name, _("A customer cannot be its own parent."))
                elif value in existing:
                    obj.parent_id = existing[value].pk
                elif value in numbers:
                    obj.parent_id = None
                    line.new_parent = value  # created in the same import, linked after
                else:
                    line.add_error(name, _("There is no customer with number %(value)s.") % {"value": value})
            else:
                setattr(obj, name, value)
        if "parent" in given:
            parent_of[line.number] = given["parent"]
        elif current is not None and current.parent_id:
            parent_of[line.number] = id_to_number.get(current.parent_id, "")
        if current is None:
            exclude = ["parent", "controller", "account_manager"]
        else:
            exclude = [f.name for f in Customer._meta.fields if f.name not in given] + [
                "parent",
                "controller",
                "account_manager",
            ]
        _model_errors(line, obj, exclude)
        if obj.credit_limit is not None and obj.credit_limit < 0 and not line.has_error("credit_limit"):
            line.add_error("credit_limit", _("A credit limit cannot be negative."))
        if current is not None and obj.currency != current.currency and current.pk in with_documents:
            line.add_error(
                "currency",
                _("Customer %(number)s already has invoices or payments in %(currency)s; its currency stays.")
                % {"number": line.number, "currency": current.currency},
            )
        line.obj = obj
        line.current = current
        if current is None:
            line.action = NEW
        else:
            _compare(line, current, obj, CUSTOMER_ATTRS, show)
            if line.new_parent:
                line.update_fields.append("parent")
                line.changes["parent"] = (show("parent", current.parent_id), line.new_parent)
            line.action = CHANGED if line.update_fields else UNCHANGED
    _check_parent_loops(lines, parent_of)


def _check_parent_loops(lines: list[Line], parent_of: dict[str, str]) -> None:
    for line in lines:
        if "parent" not in line.values or line.has_error("parent"):
            continue
        seen = {line.number}
        number = parent_of.get(line.number, "")
        while number and number not in seen:
            seen.add(number)
            number = parent_of.get(number, "")
        if number == line.number:
            line.add_error(
                "parent",
                _("The parent chain of %(number)s loops back to itself.") % {"number": line.number},
            )


# --- invoices


INVOICE_ATTRS = [
    "issue_date", "due_date", "currency", "amount", "vat_amount", "open_amount", "status",
    "paid_date", "days_late", "description", "order_reference",
]  # fmt: skip
# What an import may not change on an invoice that payments or credit notes settle.
LOCKED_BY_ALLOCATIONS = ["amount", "open_amount", "vat_amount", "currency"]


def _check_invoices(lines: list[Line], *, lock: bool) -> None:
    numbers = _check_numbers(lines, _("invoice number"))
    customers = _by_number(
        Customer.objects.only("pk", "number", "currency", "payment_terms_days"),
        {line.values["customer"] for line in lines if "customer" in line.values},
        lock=False,
    )
    existing = _by_number(Invoice.objects.all(), numbers, lock=lock)
    # Invoices and credit notes with live allocations: their amounts are the ledger's now.
    allocated: set[int] = set()
    for chunk in _chunks([i.pk for i in existing.values()]):
        for invoice_id, credit_note_id in (
            Allocation.objects.active()
            .filter(Q(invoice_id__in=chunk) | Q(credit_note_id__in=chunk))
            .values_list("invoice_id", "credit_note_id")
        ):
            allocated.update({invoice_id, credit_note_id})
    owner_numbers = {c.pk: c.number for c in customers.values()}
    unknown_owners = {i.customer_id for i in existing.values()} - set(owner_numbers)
    for chunk in _chunks(unknown_owners):
        owner_numbers.update(Customer.objects.filter(pk__in=chunk).values_list("pk", "number"))

    for line in lines:
        given = line.values
        customer = customers.get(given.get("customer", ""))
        if "customer" in given and customer is None:
            line.add_error(
                "customer", _("There is no customer with number %(value)s.") % {"value": given["customer"]}
            )
        elif "customer" not in given and not line.has_error("customer"):
            line.add_error("customer", _("The customer number is required."))
        current = existing.get(line.number) if line.number in numbers else None
        if current is not None and customer is not None and current.customer_id != customer.pk:
            line.add_error(
                "customer",
                _("Invoice %(number)s belongs to customer %(owner)s; an import cannot move it.")
                % {"number": line.number, "owner": owner_numbers.get(current.customer_id, "?")},
            )
        if current is None:
            for name in ("issue_date", "amount"):
                if name not in given and not line.has_error(name):
                    line.add_error(name, _("This value is required for a new invoice."))
        if line.errors and (
            customer is None or any(e.column in ("issue_date", "amount") for e in line.errors)
        ):
            line.obj = current
            continue
        obj = _invoice_candidate(line, current, customer)
        line.obj = obj
        if current is None:
            line.action = NEW
        else:
            _compare(line, current, obj, INVOICE_ATTRS, lambda name, value: _display(name, value))
            if current.pk in allocated:
                for name in LOCKED_BY_ALLOCATIONS:
                    if name in line.update_fields:
                        line.add_error(
                            name,
                            _(
                                "Invoice %(number)s has payments or credit notes allocated, so an import "
                                "cannot change its %(field)s (%(old)s → %(new)s)."
                            )
                            % {
                                "number": line.number,
                                "field": name,
                                "old": line.changes[name][0],
                                "new": line.changes[name][1],
                            },
                        )
            line.action = CHANGED if line.update_fields else UNCHANGED


def _invoice_candidate(line: Line, current: Invoice | None, customer: Customer) -> Invoice:
    given = line.values
    if current is not None:
        obj = copy.copy(current)
    else:
        obj = Invoice(customer_id=customer.pk, vat_amount=Decimal("0.00"), currency=customer.currency)
        obj.customer = customer
    for name in ("number", "issue_date", "due_date", "amount", "vat_amount", "currency", "description"):
        if name in given:
            setattr(obj, name, given[name])
    if "order_reference" in given:
        obj.order_reference = given["order_reference"]
    if current is None and "due_date" not in given:
        obj.due_date = obj.issue_date + timedelta(days=customer.payment_terms_days)

    # The open amount. An ERP export often has the amount still open beside the
    # invoice amount: the difference is what the customer already paid (or what
    # was credited) in the ERP. We keep that settled part only as a lower open
    # amount; we do not invent Payments or Allocations for money we never saw.
    # Without the column a new invoice is fully open, and a changed amount keeps
    # the part that was settled before.
    if "open_amount" in given:
        obj.open_amount = given["open_amount"]
    elif current is None:
        obj.open_amount = obj.amount
    elif obj.amount != current.amount:
        obj.open_amount = obj.amount - current.settled_amount

    if obj.amount == 0:
        line.add_error("amount", _("An invoice of zero cannot be imported."))
    elif obj.amount > 0 and not (0 <= obj.open_amount <= obj.amount):
        column = "open_amount" if "open_amount" in given else "amount"
        line.add_error(
            column,
            _("The open amount (%(open)s) must be between 0 and the amount (%(amount)s).")
            % {"open": obj.open_amount, "amount": obj.amount},
        )
    elif obj.amount < 0 and not (obj.amount <= obj.open_amount <= 0):
        column = "open_amount" if "open_amount" in given else "amount"
        line.add_error(
            column,
            _("A credit note's open amount (%(open)s) must be between its amount (%(amount)s) and 0.")
            % {"open": obj.open_amount, "amount": obj.amount},
        )
    if obj.vat_amount and obj.amount and abs(obj.vat_amount) > abs(obj.amount):
        line.add_error("vat_amount", _("The VAT is more than the amount."))
    if obj.vat_amount and obj.amount and (obj.vat_amount < 0) != (obj.amount < 0):
        line.add_error("vat_amount", _("The VAT and the amount must have the same sign."))
    if obj.currency != customer.currency:
        line.add_error(
            "currency",
            _("The invoice is in %(currency)s but customer %(customer)s is billed in %(own)s.")
            % {"currency": obj.currency, "customer": customer.number, "own": customer.currency},
        )
    if obj.due_date < obj.issue_date:
        line.add_error(
            "due_date" if "due_date" in given else "issue_date",
            _("The due date %(due)s is before the invoice date %(issue)s.")
            % {"due": obj.due_date.isoformat(), "issue": obj.issue_date.isoformat()},
        )

    if current is not None and current.status == Invoice.Status.CANCELLED:
        if obj.open_amount != current.open_amount or obj.amount != current.amount:
            line.add_error(
                "",
                _("Invoice %(number)s is cancelled; an import cannot change its amounts.")
                % {"number": line.number},
            )
    elif obj.open_amount == 0:
        # Paid in the ERP: we do not know the date, so paid_date and days_late stay empty
        # rather than being made up.
        obj.status = Invoice.Status.PAID
    else:
        obj.status = Invoice.Status.OPEN
        obj.paid_date = None
        obj.days_late = None

    if current is None:
        exclude = ["customer"]
    else:
        exclude = [f.name for f in Invoice._meta.fields if f.name not in given] + ["customer"]
    _model_errors(line, obj, exclude)
    return obj
