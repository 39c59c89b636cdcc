"""Disputes: the list with filters, the root-cause summary, a dispute with its actions, and
opening one from the customer 360. Sales see and update only disputes they own or watch."""

from __future__ import annotations

import statistics
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import Customer
from accounts.views import error_text
from creditmgmt.models import Role
from creditmgmt.permissions import LEDGER_READERS, LEDGER_WRITERS, can_write_ledger, role_required
from dunning.forms_disputes import (
    AGES,
    OPEN_ANY,
    DisputeFilterForm,
    DisputeUpdateForm,
    OpenDisputeForm,
    active_users,
)
from dunning.models import Dispute, DisputeInvoice, DisputeUpdate
from dunning.services import disputes as services

PAGE = 25
LIST = "dunning/disputes/list.html"
DETAIL = "dunning/disputes/detail.html"
# What sales may do on a dispute they own or watch; the rest is for the credit department.
SALES_ACTIONS = {"comment", "investigate"}


def filtered_disputes(user, filters: dict, *, today):
    disputes = (
        Dispute.objects.visible_to(user)
        .select_related("customer", "reason", "owner")
        .annotate(invoice_count=Count("lines"))
        .order_by("-created_at", "-id")
    )
    if filters.get("reason"):
        disputes = disputes.filter(reason=filters["reason"])
    if filters.get("owner"):
        disputes = disputes.filter(owner=filters["owner"])
    status = filters.get("status", OPEN_ANY)
    if status == OPEN_ANY:
        disputes = disputes.filter(status__in=Dispute.OPEN_STATUSES)
    elif status:
        disputes = disputes.filter(status=status)
    if filters.get("age") in AGES:
        low, high = AGES[filters["age"]]
        # Age in days since opening: opened between (today - high) and (today - low).
        disputes = disputes.filter(created_at__date__lte=today - timedelta(days=low))
        if high is not None:
            disputes = disputes.filter(created_at__date__gte=today - timedelta(days=high))
    return disputes


@role_required(*LEDGER_READERS)
def dispute_list(request: HttpRequest) -> HttpResponse:
    """Queries: session and user, the count, the page (reason, owner, customer joined)."""
    today = timezone.localdate()
    form = DisputeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {"status": OPEN_ANY}
    if not request.GET:
        form = DisputeFilterForm(initial={"status": OPEN_ANY})
    page = Paginator(filtered_disputes(request.user, filters, today=today), PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "today": today,
        "query": query.urlencode(),
        "language": get_language(),
        "can_see_summary": request.user.has_role(*LEDGER_WRITERS),
    }
    template = LIST + "#results" if request.htmx and request.htmx.target == "results" else LIST
    return render(request, template, context)


def _median(values):
    return statistics.median(values) if values else None


@role_required(*LEDGER_WRITERS)
def dispute_summary(request: HttpRequest) -> HttpResponse:
    """Root causes: disputes and amounts per reason and per month, and time to resolve.

    Fixed queries: per reason (1), per month (1), resolution times (1)."""
    since = timezone.now() - timedelta(days=365)
    recent = Dispute.objects.filter(created_at__gte=since)
    took = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    per_reason = list(
        recent.values("reason_id", "reason__code", "reason__name_nl", "reason__name_en")
        .annotate(
            n=Count("id"),
            total=Sum("amount"),
            still_open=Count("id", filter=Q(status__in=Dispute.OPEN_STATUSES)),
        )
        .order_by("-total")
    )
    durations = {}
    for code, seconds in (
        recent.filter(resolved_at__isnull=False).annotate(took=took).values_list("reason__code", "took")
    ):
        durations.setdefault(code, []).append(seconds.total_seconds() / 86400)
    all_days = [d for days in durations.values() for d in days]
    language = get_language() or "en"
    for row in per_reason:
        days = durations.get(row["reason__code"], [])
        row["label"] = row["reason__name_nl"] if language.startswith("nl") else row["reason__name_en"]
        row["median_days"] = _median(days)
        row["avg_days"] = sum(days) / len(days) if days else None
    per_month = list(
        recent.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("month")
    )
    largest = max((m["total"] for m in per_month), default=0) or 1
    for m in per_month:
        m["width"] = round(float(m["total"] / largest) * 100)
    context = {
        "per_reason": per_reason,
        "per_month": per_month,
        "count": sum(r["n"] for r in per_reason),
        "total": sum((r["total"] for r in per_reason), 0),
        "median_days": _median(all_days),
        "avg_days": sum(all_days) / len(all_days) if all_days else None,
        "resolved": len(all_days),
        "currency": settings.COMPANY["currency"],
    }
    return render(request, "dunning/disputes/summary.html", context)


def get_dispute(request: HttpRequest, pk: int) -> Dispute:
    """The dispute, if this user may see it (sales: owner or watcher), else 403."""
    dispute = get_object_or_404(
        Dispute.objects.select_related("customer", "reason", "owner", "credit_note", "created_by"), pk=pk
    )
    if not Dispute.objects.visible_to(request.user).filter(pk=pk).exists():
        raise PermissionDenied
    return dispute


def _detail_context(request: HttpRequest, dispute: Dispute, **extra) -> dict:
    lines = list(
        DisputeInvoice.objects.filter(dispute=dispute).select_related("invoice").order_by("invoice__due_date")
    )
    for line in lines:  # what dunning still reminds of (the undisputed rest while open)
        line.rest = (
            max(line.invoice.open_amount - line.amount, 0) if dispute.is_open else line.invoice.open_amount
        )
    watchers = list(dispute.watchers.all())
    updates = list(DisputeUpdate.objects.filter(dispute=dispute).select_related("author"))
    users = list(active_users())
    return {
        "dispute": dispute,
        "lines": lines,
        "watchers": watchers,
        "updates": updates,
        "users": users,
        "others": [u for u in users if u not in watchers],
        "can_write": can_write_ledger(request.user),
        "reason_label": dispute.reason.label(get_language() or "en"),
        "today": timezone.localdate(),
        **extra,
    }


@role_required(*LEDGER_READERS)
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_dispute(request, pk)
    return render(request, DETAIL, _detail_context(request, dispute))


@role_required(*LEDGER_READERS)
def dispute_update(request: HttpRequest, pk: int) -> HttpResponse:
    """One action on a dispute (POST `do`); htmx gets the actions and history part back."""
    dispute = get_dispute(request, pk)
    if request.method != "POST":
        return redirect(dispute)
    form = DisputeUpdateForm(request.POST)
    error, done = "", ""
    if not form.is_valid():
        error = _("Choose what to do.")
    else:
        data = form.cleaned_data
        do = data["do"]
        if not can_write_ledger(request.user) and do not in SALES_ACTIONS:
            raise PermissionDenied
        text, user, by = data.get("text") or "", data.get("user"), request.user
        try:
            if do == "comment":
                services.add_comment(dispute=dispute, text=text, by=by)
                done = _("Comment added; the owner and watchers are told.")
            elif do == "assign":
                services.assign_owner(dispute=dispute, owner=user, by=by)
                done = _("Owner changed.")
            elif do in ("watch_add", "watch_remove"):
                if user is None:
                    raise ValidationError(_("Choose a person."))
                change = {"add": [user]} if do == "watch_add" else {"remove": [user]}
                services.set_watchers(dispute=dispute, by=by, **change)
                done = _("Watchers changed.")
            elif do == "investigate":
                services.start_investigating(dispute=dispute, by=by, note=text)
                done = _("Investigation started.")
            elif do == "resolve":
                services.resolve_with_credit_note(
                    dispute=dispute, by=by, amount=data.get("amount"), note=text
                )
                done = _("Resolved: the credit note is posted and allocated.")
            elif do == "reject":
                services.reject_dispute(dispute=dispute, by=by, note=text)
                done = _("Rejected: dunning resumes where it was.")
            elif do == "close":
                services.close_dispute(dispute=dispute, by=by, note=text)
                done = _("Closed: dunning resumes where it was.")
        except ValidationError as exc:
            error = error_text(exc)
    dispute = get_dispute(request, pk)
    if request.htmx:
        return render(request, DETAIL + "#work", _detail_context(request, dispute, error=error, done=done))
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(dispute)


@role_required(*LEDGER_READERS)
def dispute_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_dispute(request, pk)
    if not dispute.attachment:
        return redirect(dispute)
    name = dispute.attachment.name.rsplit("/", 1)[-1]
    return FileResponse(dispute.attachment.open("rb"), as_attachment=True, filename=name)


@role_required(*LEDGER_WRITERS)
def dispute_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a dispute from the customer 360: invoices, reason, amount, owner, watchers."""
    customer = get_object_or_404(Customer, pk=pk)
    form = OpenDisputeForm(request.POST or None, request.FILES or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dispute = services.open_dispute(
                customer=customer,
                invoices=list(data["invoices"]),
                reason=data["reason"],
                message=data["message"],
                amount=data["amount"],
                by=request.user,
                channel=data["channel"],
                attachment=data["attachment"],
                owner=data["owner"],
                watchers=list(data["watchers"]),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Dispute opened; its amount is out of dunning until it ends."))
            return redirect(dispute)
    return render(
        request,
        "dunning/disputes/new.html",
        {"customer": customer, "form": form, "sales": Role.SALES},
    )


__all__ = [
    "dispute_attachment",
    "dispute_detail",
    "dispute_list",
    "dispute_new",
    "dispute_summary",
    "dispute_update",
]
