"""Dashboards: thin views over reporting.queries; every figure links to the customers behind it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from creditmgmt.fields import as_id
from creditmgmt.models import Role
from creditmgmt.permissions import LEDGER_READERS, LEDGER_WRITERS, MANAGERS, role_required
from creditmgmt.templatetags.money import money
from dunning.models import DisputeReason
from reporting import charts, queries
from reporting.acceptance import acceptance_figures, retro_analysis
from reporting.cure import CURE_DAYS, cure_rates
from reporting.empty import EMPTY, cei_empty
from reporting.forms import DashboardFilterForm, SubscriptionForm
from reporting.models import BUCKET_LABELS, BUCKETS, CREDIT_LABEL, ReportSubscription
from reporting.reports import report_for, scope_for
from reporting.snapshots import first_of_month


def _form(request: HttpRequest) -> DashboardFilterForm:
    data = request.GET.copy()
    data.setdefault("months", "12")
    # A controller's dashboard opens on their own portfolio.
    if request.user.role == Role.CONTROLLER and "controller" not in data:
        data["controller"] = str(request.user.pk)
    return DashboardFilterForm(data)


def _filters(request: HttpRequest, form: DashboardFilterForm) -> queries.Filters:
    return scope_for(request.user, form.filters())


@role_required(*LEDGER_READERS)
def dashboard(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    filters = _filters(request, form)
    today = timezone.localdate()
    board = queries.dashboard(filters, today=today)
    context = {
        "form": form,
        "filters": filters,
        "board": board,
        "query": _query(request, form),
        "empty": EMPTY,
    }
    if board.current is not None:
        since = first_of_month(board.day, filters.months - 1)
        promises = queries.promise_figures(filters, since, board.day)
        controllers = queries.by_controller(filters, board.day) if request.user.role != Role.SALES else []
        for row in controllers:
            row["promise_rate"] = promises["per_controller"].get(row["controller_id"])
        acceptance_shown = request.user.role != Role.SALES and (
            request.user.role != Role.CONTROLLER or not filters.controller_id
        )
        cei = dict(board.cei)
        labels = [date_format(p.date, "M Y") for p in board.trend[:-1]]
        labels.append(date_format(board.day, "j M"))
        series = [
            charts.Series("open", _("Open"), [p.open_amount for p in board.trend]),
            charts.Series("overdue", _("Overdue"), [p.overdue for p in board.trend]),
        ]
        context.update(
            trend_chart=charts.line_chart(
                labels, series, title=_("Open and overdue"), money=lambda v: money(v, filters.currency)
            ),
            trend_legend=charts.legend(series),
            # Each month's CEI, and for one without a value the word and reason (reporting.empty).
            trend_rows=[(p, cei.get(p.date), cei_empty(p.date, board.cei_unmeasured)) for p in board.trend],
            cei_now=(board.cei[-1][1], cei_empty(board.cei[-1][0], board.cei_unmeasured))
            if board.cei
            else None,
            aging=[
                {"key": b, "label": BUCKET_LABELS[b], "amount": amount, "share": share}
                for b, amount, share in queries.aging_totals(board.current)
            ],
            top=queries.top_debtors(filters, board.day),
            controllers=controllers,
            promises=promises,
            backfilled=any(p.backfilled for p in board.trend),
            cure=(cure_rates(since, board.day, filters) if filters.customer_ids is None else []),
            disputes=queries.dispute_figures(filters, since, board.day),
            cure_days=CURE_DAYS,
            # The card (for those who see it) says so when the filters leave no decision in the period.
            acceptance_shown=acceptance_shown,
            acceptance=acceptance_figures(since, board.day, filters) if acceptance_shown else [],
        )
    return render(request, "reporting/dashboard.html", context)


def _query(request: HttpRequest, form: DashboardFilterForm) -> str:
    """The filters as a query string for the drill-down and export links."""
    filters = form.filters()
    params = {"currency": filters.currency, "months": filters.months}
    if filters.segment:
        params["segment"] = filters.segment
    if filters.controller_id:
        params["controller"] = filters.controller_id
    elif request.user.role == Role.CONTROLLER:
        # Widened to all controllers: said in so many words, or the next page opens on their own (_form).
        params["controller"] = ""
    return urlencode(params)


def _without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@dataclass
class _Page:
    object_list: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def _page_without_count(rows, number: str | None, size: int = 50) -> _Page:
    """One page and whether there is another: counting a day's customers costs as much as listing
    them all (about 200 ms at 100,000 customers), and nobody pages to the end of it."""
    page = as_id(number or "") or 1  # a page number: digits, 1 or more
    found = list(rows[(page - 1) * size : page * size + 1])
    return _Page(object_list=found[:size], number=page, has_next=len(found) > size)


@role_required(*LEDGER_READERS)
def bucket_customers(request: HttpRequest) -> HttpResponse:
    """The customers behind a figure of the dashboard."""
    form = _form(request)
    filters = _filters(request, form)
    bucket = form.cleaned_data.get("bucket") if form.is_valid() else ""
    day = queries.latest_date(timezone.localdate())
    rows = queries.bucket_customers(filters, day, bucket or "open") if day else []
    page = _page_without_count(rows, request.GET.get("page"))
    label = BUCKET_LABELS.get(bucket) or {
        "overdue": _("Overdue"), "disputed": _("Disputed"), "credit": CREDIT_LABEL
    }.get(bucket, _("Open"))  # fmt: skip
    context = {"form": form, "filters": filters, "page": page, "day": day, "bucket": bucket or "open",
               "label": label, "query": _without_page(request), "buckets": BUCKETS}  # fmt: skip
    return render(request, "reporting/bucket_customers.html", context)


@role_required(*LEDGER_READERS)
def dispute_customers(request: HttpRequest) -> HttpResponse:
    """The customers behind the dispute figures, for one reason or all."""
    form = _form(request)
    filters = _filters(request, form)
    reason = request.GET.get("reason", "")[:30]
    day = queries.latest_date(timezone.localdate()) or timezone.localdate()
    since = first_of_month(day, filters.months - 1)
    rows = queries.dispute_customers(filters, since, day, reason)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for row in page.object_list:
        row["days_to_resolve"] = queries.days_of(row["took"])
    label = DisputeReason.objects.filter(code=reason).first() if reason else None
    context = {"form": form, "filters": filters, "page": page, "since": since, "day": day, "reason": label,
               "query": _without_page(request), "back": _query(request, form), "empty": EMPTY}  # fmt: skip
    return render(request, "reporting/dispute_customers.html", context)


FIGURES = {
    "promises": (
        _lazy("Promises to pay"),
        [("kept", _lazy("Kept")), ("broken", _lazy("Broken"))],
    ),
    "cure": (
        _lazy("Dunning steps and their outcome"),
        [("steps", _lazy("Steps taken")), ("cured", _lazy("Cured"))],
    ),
}


@role_required(*LEDGER_READERS)
def figure_customers(request: HttpRequest, figure: str) -> HttpResponse:
    """The customers behind the promise-kept rate or a cure rate (for one dunning step or all)."""
    if figure not in FIGURES or (figure == "cure" and request.user.role == Role.SALES):
        raise Http404
    form = _form(request)
    filters = _filters(request, form)
    day = queries.latest_date(timezone.localdate()) or timezone.localdate()
    since = first_of_month(day, filters.months - 1)
    if figure == "promises":
        rows = queries.promise_customers(filters, since, day)
    else:
        step = request.GET.get("step", "")
        variant = request.GET.get("variant", "")[:10]
        rows = queries.cure_customers(filters, since, day, as_id(step), variant)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    title, columns = FIGURES[figure]
    for row in page.object_list:
        row["cells"] = [row[key] for key, _label in columns]
    context = {"title": title, "columns": columns, "page": page, "since": since, "day": day,
               "filters": filters, "query": _without_page(request),
               "back": _query(request, form)}  # fmt: skip
    return render(request, "reporting/figure_customers.html", context)


@role_required(*LEDGER_WRITERS)
def acceptance_retro(request: HttpRequest) -> HttpResponse:
    """Acceptance quality: the period's decisions against later payment behaviour, with the decisions
    behind each cell (computed on request, like the rule simulation: it reads the decided customers'
    later invoices). It follows the dashboard's segment and controller filters, as the credit decisions
    card does."""
    form = _form(request)
    filters = _filters(request, form)
    today = timezone.localdate()
    retro = retro_analysis(first_of_month(today, filters.months - 1), today, today=today, filters=filters)
    cell, _sep, behaviour = request.GET.get("cell", "").partition(":")
    rows = [r for r in retro.rows if r.cell == cell and r.behaviour == behaviour]
    context = {"form": form, "filters": filters, "retro": retro, "cell": cell, "behaviour": behaviour,
               "rows": rows[:200], "more": max(len(rows) - 200, 0),
               "query": _query(request, form)}  # fmt: skip
    return render(request, "reporting/acceptance_retro.html", context)


EXPORTS = ("trend", "top", "customers", "controllers")


@role_required(*LEDGER_READERS)
def export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """A dashboard table as CSV or Excel, with the dashboard's filters."""
    if table not in EXPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    form = _form(request)
    filters = _filters(request, form)
    header, rows = _table(table, filters, form, request)
    name = f"{table}-{timezone.localdate().isoformat()}.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(table)
        sheet.append(header)
        for row in rows:
            sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _table(table: str, filters: queries.Filters, form, request) -> tuple[list[str], list[list]]:
    today = timezone.localdate()
    day = queries.latest_date(today)
    if table == "trend":
        board = queries.dashboard(filters, today=today)
        cei = dict(board.cei)
        header = [
            _("Date"),
            _("Currency"),
            _("Open"),
            *[str(BUCKET_LABELS[b]) for b in BUCKETS],
            _("Overdue"),
            "CEI %",
            str(CREDIT_LABEL),
        ]
        rows = [
            [p.date.isoformat(), filters.currency, p.open_amount, *[p.buckets[b] for b in BUCKETS], p.overdue,
             cei.get(p.date), p.credit]
            for p in board.trend
        ]  # fmt: skip
        return header, rows
    if table == "controllers":
        if request.user.role == Role.SALES:
            raise Http404
        header = [_("Controller"), _("Customers"), _("Open"), _("Overdue"), _("Overdue %"), _("Collected"),
                  _("Tasks done")]  # fmt: skip
        rows = [
            [c["name"], c["customers"], c["open"], c["overdue"], c["share"], c["collected"], c["tasks_done"]]
            for c in (queries.by_controller(filters, day) if day else [])
        ]
        return header, rows
    header = [_("Customer number"), _("Customer"), _("Currency"), _("Open"),
              *[str(BUCKET_LABELS[b]) for b in BUCKETS], _("Overdue"), _("Controller"),
              str(CREDIT_LABEL)]  # fmt: skip
    if day is None:
        return header, []
    if table == "top":
        snapshots = queries.top_debtors(filters, day, limit=100)
    else:
        bucket = (form.cleaned_data.get("bucket") if form.is_valid() else "") or "open"
        snapshots = queries.bucket_customers(filters, day, bucket)
    rows = [
        [s.customer.number, s.customer.name, s.currency, s.open_amount, *[getattr(s, b) for b in BUCKETS],
         s.overdue, str(s.controller or ""), s.credit]
        for s in snapshots.iterator(chunk_size=2000)
    ]  # fmt: skip
    return header, rows


@role_required(*LEDGER_WRITERS)
def forecast(request: HttpRequest) -> HttpResponse:
    """The 13-week cash-in forecast with its range, and how earlier forecasts compared with what came in."""
    form = _form(request)
    currency = form.filters().currency
    today = timezone.localdate()
    made_on, rows = queries.cash_forecast(currency, today)
    context = {"form": form, "currency": currency, "made_on": made_on, "rows": rows, "empty": EMPTY}
    if rows:
        context["chart"] = charts.band_chart(
            [date_format(r.week, "j M") for r in rows],
            [r.cumulative for r in rows],
            [r.cumulative_late for r in rows],
            [r.cumulative_early for r in rows],
            title=_("Cash expected, cumulative"),
            money=lambda v: money(v, currency),
        )
    context["actuals"] = queries.forecast_against_actual(currency, today)
    return render(request, "reporting/forecast.html", context)


@role_required(*LEDGER_READERS)
def dashboard_pdf(request: HttpRequest) -> HttpResponse:
    """The dashboard as a PDF report, with the page's filters."""
    filters = _form(request).filters()  # report_for limits them to what the user may see
    today = timezone.localdate()
    content = report_for(request.user, filters, today=today)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="credit-report-{today.isoformat()}.pdf"'
    return response


@role_required(*MANAGERS)
def subscriptions(request: HttpRequest) -> HttpResponse:
    """Managers subscribe people or roles to the weekly or monthly PDF report."""
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        subscription = form.save(commit=False)
        subscription.created_by = request.user
        subscription.save()
        messages.success(request, _("Subscribed: %(s)s") % {"s": subscription})
        return redirect("reporting:subscriptions")
    rows = ReportSubscription.objects.select_related("user", "controller", "created_by").order_by(
        "-created_at"
    )
    context = {"form": form, "subscriptions": rows, "empty": EMPTY}
    return render(request, "reporting/subscriptions.html", context)


@require_POST
@role_required(*MANAGERS)
def subscription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(ReportSubscription, pk=pk)
    subscription.delete()
    messages.success(request, _("Subscription ended."))
    return redirect("reporting:subscriptions")
