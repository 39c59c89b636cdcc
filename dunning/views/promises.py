"""Promises to pay and payment plans: recorded from the 360, approved by a manager."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Customer
from accounts.views import error_text
from creditmgmt.permissions import LEDGER_READERS, LEDGER_WRITERS, MANAGERS, role_required
from dunning.models import Installment, PaymentPlan, Promise
from dunning.promise_forms import PlanStartForm, PromiseForm, parse_schedule
from dunning.services import plans as plan_services
from dunning.services import promises as promise_services


@role_required(*LEDGER_WRITERS)
def promise_new(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = PromiseForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            promise_services.make_promise(
                customer=customer,
                invoices=list(data["invoices"]),
                promised_date=data["promised_date"],
                amount=data["amount"],
                channel=data["channel"],
                note=data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Promise recorded: no reminders for these invoices until the date."))
            return redirect(customer)
    return render(
        request,
        "dunning/promises/promise_form.html",
        {"customer": customer, "form": form, "grace_days": settings.PROMISE_GRACE_DAYS},
    )


@role_required(*LEDGER_WRITERS)
@require_POST
def promise_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    promise = get_object_or_404(Promise.objects.select_related("customer"), pk=pk)
    try:
        promise_services.cancel_promise(promise=promise, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Promise cancelled: its invoices are back in dunning."))
    return redirect(promise.customer)


@role_required(*LEDGER_WRITERS)
def plan_new(request: HttpRequest, pk: int) -> HttpResponse:
    """GET with invoices, count and first date suggests a schedule; POST checks or saves the edited one."""
    customer = get_object_or_404(Customer, pk=pk)
    today = timezone.localdate()
    data = request.POST if request.method == "POST" else (request.GET if "invoices" in request.GET else None)
    start = PlanStartForm(data, customer=customer, initial={"first_date": today})
    rows, errors, check = [], [], None
    if data is not None and start.is_valid():
        invoices = list(start.cleaned_data["invoices"])
        if request.method == "POST":
            rows, errors = parse_schedule(request.POST)
        else:
            try:
                rows = plan_services.suggest_installments(
                    invoices=invoices,
                    count=start.cleaned_data["count"],
                    first_date=start.cleaned_data["first_date"],
                )
            except ValidationError as exc:
                errors = exc.messages
        if rows and not errors:
            try:
                check = plan_services.check_plan(customer=customer, installments=rows, today=today)
            except ValidationError as exc:
                errors = exc.messages
        if request.method == "POST" and request.POST.get("do") == "save" and not errors:
            try:
                plan = plan_services.request_plan(
                    customer=customer,
                    invoices=invoices,
                    installments=rows,
                    channel=start.cleaned_data["channel"],
                    note=start.cleaned_data["note"],
                    by=request.user,
                )
            except ValidationError as exc:
                errors = exc.messages
            else:
                if plan.status == PaymentPlan.Status.ACTIVE:
                    messages.success(request, _("Payment plan approved by the policy and active."))
                else:
                    messages.success(request, _("Payment plan saved: it waits for a manager's approval."))
                return redirect(plan)
    total = sum((a for _, a in rows if a is not None), 0)
    return render(
        request,
        "dunning/promises/plan_form.html",
        {
            "customer": customer,
            "start": start,
            "rows": rows,
            "total": total,
            "errors": errors,
            "check": check,
            "today": today,
        },
    )


def _plan(pk: int) -> PaymentPlan:
    return get_object_or_404(
        PaymentPlan.objects.select_related(
            "customer", "approved_by", "created_by", "approval_task"
        ).prefetch_related(
            "invoices", Prefetch("installments", queryset=Installment.objects.order_by("sequence"))
        ),
        pk=pk,
    )


# Readers too: the 360's Promises and plans panel links every plan, and sales read the 360.
@role_required(*LEDGER_READERS)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(pk)
    return render(
        request,
        "dunning/promises/plan_detail.html",
        {
            "plan": plan,
            "customer": plan.customer,
            "can_decide": request.user.has_role(*MANAGERS) and plan.status == PaymentPlan.Status.REQUESTED,
        },
    )


@role_required(*MANAGERS)
@require_POST
def plan_decide(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(PaymentPlan, pk=pk)
    approve = request.POST.get("decision") == "approve"
    note = request.POST.get("note", "").strip()[:500]
    try:
        if approve:
            plan_services.approve_plan(plan=plan, note=note, by=request.user)
        else:
            plan_services.reject_plan(plan=plan, note=note, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Payment plan approved.") if approve else _("Payment plan rejected."))
    return redirect("dunning:plan_detail", pk=plan.pk)
