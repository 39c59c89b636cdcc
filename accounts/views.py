"""Pages of the customer ledger. Views parse, call one service, render."""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import queries, services
from accounts.forms import (
    AllocationForm,
    ContactForm,
    CustomerFilterForm,
    CustomerForm,
    DeliveryBlockForm,
    NoteForm,
    PaymentForm,
    TaskCompleteForm,
    TaskCreateForm,
    TaskReassignForm,
    TaskSnoozeForm,
    task_assignees,
)
from accounts.models import Allocation, Customer, Event, Invoice, Payment, Task
from accounts.panels import render_customer_panels
from creditmgmt.permissions import LEDGER_READERS, LEDGER_WRITERS, can_write_ledger, role_required

TIMELINE_PAGE = 30
DIGITS = re.compile(r"[0-9]{1,18}")  # str.isdigit() also accepts "²", which int() refuses


def error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- permission-checked getters ------------------------------------------


def get_customer(request: HttpRequest, pk: int) -> Customer:
    return get_object_or_404(
        Customer.objects.select_related("controller", "account_manager", "parent"), pk=pk
    )


def get_task(request: HttpRequest, pk: int) -> Task:
    """Any controller may act on any task: colleagues cover for each other (the Event says who)."""
    return get_object_or_404(Task.objects.select_related("customer", "assignee"), pk=pk)


# --- customers -------------------------------------------------------------


@role_required(*LEDGER_READERS)
def customer_list(request: HttpRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    customers = queries.search_customers(
        text=filters.get("q") or "",
        controller_id=filters["controller"].pk if filters.get("controller") else None,
        account_manager=filters.get("account_manager") or "",
        user=request.user,
        status=filters.get("status") or "",
        risk_class=filters.get("risk_class") or "",
        overdue=bool(filters.get("overdue")),
        sort=filters.get("sort") or "name",
        today=today,
    )
    page = Paginator(customers, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    context = {
        "form": form,
        "page": page,
        "today": today,
        "current_sort": filters.get("sort") or "name",
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
    }
    template = "accounts/customer_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return render(request, template, context)


def _timeline_context(customer: Customer, request: HttpRequest) -> dict:
    kind = request.GET.get("kind", "")
    if kind not in Event.Kind.values:
        kind = ""
    events = queries.customer_timeline(customer, kind=kind)
    before = request.GET.get("before", "")
    if DIGITS.fullmatch(before):
        events = queries.older_than(events, event_id=int(before))
    rows = list(events[: TIMELINE_PAGE + 1])
    return {
        "events": rows[:TIMELINE_PAGE],
        "more_before": rows[TIMELINE_PAGE - 1].pk if len(rows) > TIMELINE_PAGE else None,
        "timeline_kind": kind,
        "event_kinds": Event.Kind.choices,
    }


def _invoices_context(customer: Customer, request: HttpRequest) -> dict:
    show = "all" if request.GET.get("show") == "all" else "open"
    page = Paginator(queries.customer_invoices(customer, show=show), 25).get_page(
        request.GET.get("invoices_page")
    )
    return {"invoice_page": page, "invoice_show": show}


@role_required(*LEDGER_READERS)
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer(request, pk)
    today = timezone.localdate()
    template = "accounts/customer_detail.html"
    partials = {
        "timeline": "accounts/partials/timeline.html",
        "timeline-more": "accounts/partials/timeline.html#timeline_items",
    }
    if request.htmx and request.htmx.target in partials:
        context = {"customer": customer, **_timeline_context(customer, request)}
        return render(request, partials[request.htmx.target], context)
    if request.htmx and request.htmx.target == "invoices":
        context = {"customer": customer, "today": today, **_invoices_context(customer, request)}
        return render(request, template + "#invoices", context)
    context = {
        "customer": customer,
        "today": today,
        "summary": queries.ledger_summary(customer, today=today),
        "group_exposure": queries.group_exposure(customer),
        "payments": customer.payments.all()[:10],
        "notes": customer.notes.select_related("author")[:10],
        "tasks": customer.tasks.open().select_related("assignee").by_priority(),
        "contacts": customer.contacts.all(),
        "panels": render_customer_panels(request, customer),
        "can_write": can_write_ledger(request.user),
        "note_form": NoteForm(),
        "task_form": TaskCreateForm(initial={"due_date": today}),
        "payment_form": PaymentForm(initial={"value_date": today, "allocate_oldest_first": True}),
        "block_form": DeliveryBlockForm(initial={"reason": customer.delivery_block_reason_text}),
        "contact_form": ContactForm(initial={"language": customer.language}),
        **_invoices_context(customer, request),
        **_timeline_context(customer, request),
    }
    return render(request, template, context)


@role_required(*LEDGER_WRITERS)
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer(request, pk)
    form = CustomerForm(request.POST or None, instance=Customer.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_customer(
                customer=customer,
                by=request.user,
                seen=form.values_seen(),
                **{f: form.cleaned_data[f] for f in form.changed_data},
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Customer saved."))
            return redirect(customer)
    return render(request, "accounts/customer_edit.html", {"customer": customer, "form": form})


@role_required(*LEDGER_WRITERS)
@require_POST
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_note(customer=customer, text=form.cleaned_data["text"], by=request.user)
        except ValidationError as exc:
            form.add_error("text", exc)
        else:
            form = NoteForm()
    if not request.htmx:
        if form.errors:
            messages.error(request, error_text(ValidationError(list(form.errors.values()))))
        return redirect(customer)
    context = {
        "customer": customer,
        "note_form": form,
        "notes": customer.notes.select_related("author")[:10],
        "can_write": True,
        **_timeline_context(customer, request),
    }
    return render(request, "accounts/partials/notes_and_timeline.html", context)


@role_required(*LEDGER_WRITERS)
@require_POST
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer(request, pk)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.add_contact(customer=customer, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Contact added."))
    else:
        messages.error(
            request, _("The contact was not added: %(errors)s") % {"errors": form.errors.as_text()}
        )
    return redirect(customer)


@role_required(*LEDGER_WRITERS)
@require_POST
def delivery_block(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer(request, pk)
    form = DeliveryBlockForm(request.POST)
    if form.is_valid():
        try:
            services.set_delivery_block(
                customer=customer,
                blocked=form.cleaned_data["blocked"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
    return redirect(customer)


@role_required(*LEDGER_WRITERS)
@require_POST
def task_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer(request, pk)
    form = TaskCreateForm(request.POST)
    if form.is_valid():
        services.create_task(customer=customer, by=request.user, **form.cleaned_data)
        messages.success(request, _("Task planned."))
    else:
        messages.error(request, _("The task was not planned: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect(customer)


@role_required(*LEDGER_WRITERS)
@require_POST
def payment_record(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer(request, pk)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("The payment was not recorded: %(errors)s") % {"errors": form.errors.as_text()}
        )
        return redirect(customer)
    try:
        services.receive_payment(
            customer=customer,
            amount=form.cleaned_data["amount"],
            value_date=form.cleaned_data["value_date"],
            reference=form.cleaned_data["reference"],
            allocate_oldest=form.cleaned_data["allocate_oldest_first"],
            by=request.user,
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Payment recorded."))
    return redirect(customer)


# --- invoices --------------------------------------------------------------


@role_required(*LEDGER_READERS)
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice.objects.select_related("customer"), pk=pk)
    allocations = invoice.allocations.select_related("payment", "credit_note", "created_by", "reversed_by")
    credits_given = invoice.credit_allocations.select_related("invoice") if invoice.is_credit_note else []
    form = None
    can_write = can_write_ledger(request.user)
    if can_write and invoice.status == Invoice.Status.OPEN and invoice.open_amount > 0:
        form = AllocationForm(
            payments=Payment.objects.filter(customer=invoice.customer, unallocated_amount__gt=0),
            credit_notes=Invoice.objects.filter(
                customer=invoice.customer, status=Invoice.Status.OPEN, open_amount__lt=0
            ),
        )
    return render(
        request,
        "accounts/invoice_detail.html",
        {
            "invoice": invoice,
            "customer": invoice.customer,
            "lines": invoice.lines.all(),
            "allocations": allocations,
            "credits_given": credits_given,
            "allocation_form": form,
            "contact_emails": [c.email for c in invoice.customer.contacts.all() if c.email],
            "can_write": can_write,
            "today": timezone.localdate(),
        },
    )


@role_required(*LEDGER_READERS)
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from accounts.pdf import render_invoice_pdf

    invoice = get_object_or_404(Invoice.objects.select_related("customer"), pk=pk)
    return FileResponse(
        render_invoice_pdf(invoice),
        as_attachment=request.GET.get("inline") != "1",
        filename=f"{invoice.number}.pdf",
        content_type="application/pdf",
    )


@role_required(*LEDGER_WRITERS)
@require_POST
def invoice_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice, pk=pk)
    source = request.POST.get("source", "")
    amount = request.POST.get("amount") or None
    try:
        if source.startswith("p") and DIGITS.fullmatch(source[1:]):
            payment = get_object_or_404(Payment, pk=int(source[1:]))
            services.allocate(invoice=invoice, payment=payment, amount=amount, by=request.user)
        elif source.startswith("c") and DIGITS.fullmatch(source[1:]):
            credit_note = get_object_or_404(Invoice, pk=int(source[1:]))
            services.allocate(invoice=invoice, credit_note=credit_note, amount=amount, by=request.user)
        else:
            raise ValidationError(_("Choose a payment or credit note."))
    except (ValidationError, ArithmeticError) as exc:
        text = error_text(exc) if isinstance(exc, ValidationError) else _("Enter a valid amount.")
        messages.error(request, text)
    else:
        messages.success(request, _("Allocated."))
    return redirect(invoice)


@role_required(*LEDGER_WRITERS)
@require_POST
def invoice_send_copy(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice.objects.select_related("customer"), pk=pk)
    try:
        services.send_invoice_copy(invoice=invoice, to=request.POST.get("to", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The copy is on its way."))
    return redirect(invoice)


@role_required(*LEDGER_WRITERS)
@require_POST
def allocation_undo(request: HttpRequest, pk: int) -> HttpResponse:
    allocation = get_object_or_404(Allocation, pk=pk)
    try:
        services.unallocate(allocation=allocation, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Allocation undone; the invoice is open again."))
    return redirect("accounts:invoice_detail", pk=allocation.invoice_id)


# --- tasks -------------------------------------------------------------------


@role_required(*LEDGER_WRITERS)
def task_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    tasks = (
        Task.objects.open().filter(assignee=request.user).select_related("customer", "invoice").by_priority()
    )
    show = request.GET.get("show", "today")
    if show == "today":
        tasks = tasks.filter(due_date__lte=today)
    page = Paginator(tasks, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/task_list.html",
        {
            "page": page,
            "show": show,
            "today": today,
            "complete_form": TaskCompleteForm(),
            "assignees": list(task_assignees()),
            "tomorrow": today + timedelta(days=1),
        },
    )


def _task_response(request: HttpRequest, task: Task, *, error: str = "") -> HttpResponse:
    if request.htmx:
        return render(
            request,
            "accounts/task_list.html#task_row",
            {
                "task": task,
                "today": timezone.localdate(),
                "tomorrow": timezone.localdate() + timedelta(days=1),
                "complete_form": TaskCompleteForm(),
                "assignees": list(task_assignees()),
                "error": error,
            },
        )
    if error:
        messages.error(request, error)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("accounts:task_list")
    return redirect(next_url)


@role_required(*LEDGER_WRITERS)
@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_task(request, pk)
    form = TaskCompleteForm(request.POST)
    if not form.is_valid():
        return _task_response(request, task, error=_("Choose an outcome."))
    try:
        task = services.complete_task(
            task=task, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"], by=request.user
        )
    except ValidationError as exc:
        return _task_response(request, task, error=error_text(exc))
    return _task_response(request, task)


@role_required(*LEDGER_WRITERS)
@require_POST
def task_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_task(request, pk)
    form = TaskSnoozeForm(request.POST)
    if not form.is_valid():
        return _task_response(request, task, error=form.errors.as_text())
    try:
        task = services.snooze_task(task=task, until=form.cleaned_data["until"], by=request.user)
    except ValidationError as exc:
        return _task_response(request, task, error=error_text(exc))
    return _task_response(request, task)


@role_required(*LEDGER_WRITERS)
@require_POST
def task_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_task(request, pk)
    form = TaskReassignForm(request.POST)
    if not form.is_valid():
        return _task_response(request, task, error=_("Choose a person."))
    try:
        task = services.reassign_task(task=task, assignee=form.cleaned_data["assignee"], by=request.user)
    except ValidationError as exc:
        return _task_response(request, task, error=error_text(exc))
    return _task_response(request, task)
