"""Payments pages: upload a statement, see what was matched, match the rest by hand.

Views parse, call one service and render; the matching is in accounts.bank.services.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.bank import queries
from accounts.bank.base import StatementFileError
from accounts.bank.services import book_outgoing, import_statement_file, match_entry, reverse_entry
from accounts.imports.cells import CellError, parse_amount
from accounts.models import BankCsvMapping, BankEntry, BankStatement, Customer, Invoice, Payment
from creditmgmt.permissions import LEDGER_WRITERS, role_required

SESSION_KEY = "bank_last_import"
QUEUE_PAGE = 25
MAX_BYTES = 50 * 1024 * 1024  # larger files: the watched folder or manage.py import_statement


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Bank statement"),
        help_text=gettext_lazy("camt.053, camt.054 or MT940, as your bank sends it; or a CSV export."),
    )
    csv_mapping = forms.ModelChoiceField(
        label=gettext_lazy("CSV column mapping"),
        queryset=BankCsvMapping.objects.all(),
        required=False,
        empty_label=gettext_lazy("(not a CSV file)"),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB: split it.") % {"mb": MAX_BYTES >> 20}
            )
        return upload


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@role_required(*LEDGER_WRITERS)
def bank_home(request: HttpRequest) -> HttpResponse:
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        mapping = form.cleaned_data["csv_mapping"]
        try:
            summary = import_statement_file(
                data=upload.read(),
                file_name=upload.name,
                by=request.user,
                csv_mapping=mapping.as_mapping() if mapping else None,
            )
        except StatementFileError as exc:
            form.add_error(
                "file",
                _("%(file)s was not imported: %(problem)s")
                % {"file": upload.name, "problem": _error_text(exc)},
            )
        else:
            request.session[SESSION_KEY] = {
                "file_name": summary.file_name,
                "format": summary.format,
                "statements": summary.statements,
                "entries": summary.entries,
                "duplicates": summary.duplicates,
                "credits": str(summary.credits),
                "debits": str(summary.debits),
                "matched": summary.matched,
                "unmatched": summary.unmatched,
                "outgoing": summary.outgoing,
                "reversals": summary.reversals,
                "warnings": summary.warnings[:20],
                "statement_ids": summary.statement_ids[:50],
            }
            return redirect("accounts:bank_home")
    return render(
        request,
        "accounts/bank_home.html",
        {
            "form": form,
            "last_import": request.session.get(SESSION_KEY),
            "statements": queries.recent_statements(),
            "unmatched_count": BankEntry.objects.filter(status=BankEntry.Status.UNMATCHED).count(),
        },
    )


@role_required(*LEDGER_WRITERS)
def bank_statement(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_object_or_404(BankStatement.objects.select_related("imported_by"), pk=pk)
    page = Paginator(queries.statement_entries(statement), 100).get_page(request.GET.get("page"))
    return render(request, "accounts/bank_statement.html", {"statement": statement, "page": page})


@role_required(*LEDGER_WRITERS)
def bank_unmatched(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.unmatched_entries(), QUEUE_PAGE).get_page(request.GET.get("page"))
    entries = list(page.object_list)
    queries.attach_suggestions(entries)
    queries.attach_payments_to_undo(entries)
    return render(request, "accounts/bank_unmatched.html", {"page": page, "entries": entries})


def _parse_allocations(request: HttpRequest, entry: BankEntry) -> list[tuple[int, Decimal]]:
    """Either a suggestion (invoice ids, spent oldest first) or split lines of invoice number + amount."""
    if ids := request.POST.get("invoices", ""):
        try:
            wanted = [int(i) for i in ids.split(",")]
        except ValueError:
            raise ValidationError(_("Choose a suggestion.")) from None
        invoices = Invoice.objects.filter(pk__in=wanted, status=Invoice.Status.OPEN).order_by(
            "due_date", "id"
        )
        plan, left = [], entry.amount
        for invoice in invoices:
            if left <= 0:
                break
            part = min(left, invoice.open_amount)
            plan.append((invoice.pk, part))
            left -= part
        return plan
    numbers = [n.strip() for n in request.POST.getlist("number")]
    amounts = request.POST.getlist("amount")
    lines = [(n, a.strip()) for n, a in zip(numbers, amounts, strict=False) if n]
    if not lines:
        raise ValidationError(_("Enter at least one invoice number."))
    found = {i.number: i for i in Invoice.objects.filter(number__in=[n for n, _a in lines])}
    plan = []
    for number, amount in lines:
        if number not in found:
            raise ValidationError(_("There is no invoice %(number)s.") % {"number": number})
        try:
            # The import's parser: "1.234,50" and "1,234.50" both work, "NaN" does not.
            value = parse_amount(amount) if amount else found[number].open_amount
        except CellError:
            raise ValidationError(
                _("“%(amount)s” for %(number)s is not an amount.") % {"amount": amount, "number": number}
            ) from None
        if value <= 0:
            raise ValidationError(
                _("“%(amount)s” for %(number)s is not an amount.") % {"amount": amount, "number": number}
            )
        plan.append((found[number].pk, value))
    return plan


@role_required(*LEDGER_WRITERS)
@require_POST
def bank_entry_match(request: HttpRequest, pk: int) -> HttpResponse:
    def match(entry: BankEntry) -> None:
        match_entry(entry=entry, allocations=_parse_allocations(request, entry), by=request.user)

    return _settle(request, pk, match, done=_("Matched."))


def _settle(
    request: HttpRequest, pk: int, action: Callable[[BankEntry], object], *, done: str
) -> HttpResponse:
    """One of the queue's actions on an entry; then its row again for htmx (with the error, if
    any), otherwise back to the queue with a message."""
    entry = get_object_or_404(BankEntry.objects.select_related("statement"), pk=pk)
    error = ""
    try:
        action(entry)
    except ValidationError as exc:
        error = _error_text(exc)
    if request.htmx:
        entry = BankEntry.objects.select_related("statement", "customer").get(pk=pk)
        queries.attach_suggestions([entry])
        queries.attach_payments_to_undo([entry])
        return render(request, "accounts/bank_unmatched.html#entry_row", {"entry": entry, "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect("accounts:bank_unmatched")


def _payment_to_undo(request: HttpRequest, entry: BankEntry) -> Payment:
    """Either a payment offered on the page, or the latest fitting payment of a customer number."""
    if chosen := request.POST.get("payment", "").strip():
        try:
            return Payment.objects.get(pk=int(chosen))
        except (ValueError, Payment.DoesNotExist):
            raise ValidationError(_("Choose one of the payments.")) from None
    number = request.POST.get("customer", "").strip()
    if not number:
        raise ValidationError(_("Choose a payment, or enter a customer number."))
    customer = Customer.objects.filter(number=number).first()
    if customer is None:
        raise ValidationError(_("There is no customer %(number)s.") % {"number": number})
    payment = queries.latest_payment_to_undo(entry, customer)
    if payment is None:
        raise ValidationError(
            _("%(customer)s has no payment of this amount to take back.") % {"customer": customer.name}
        )
    return payment


@role_required(*LEDGER_WRITERS)
@require_POST
def bank_entry_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    """A waiting reversal (storno, returned direct debit): the person says which payment it takes back."""
    return _settle(
        request,
        pk,
        lambda entry: reverse_entry(entry=entry, payment=_payment_to_undo(request, entry), by=request.user),
        done=_("Payment taken back: its invoices are open again and a task is planned."),
    )


@role_required(*LEDGER_WRITERS)
@require_POST
def bank_entry_outgoing(request: HttpRequest, pk: int) -> HttpResponse:
    """A waiting debit entry that takes no customer payment back (a bank fee, a refund returned)."""
    note = request.POST.get("note", "")
    return _settle(
        request,
        pk,
        lambda entry: book_outgoing(entry=entry, note=note, by=request.user),
        done=_("Booked as money going out."),
    )
