from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from acceptance import queries, services
from acceptance.forms import CounterDecideForm, DecisionFilterForm, OverrideForm
from acceptance.models import Channel, Decision
from accounts.models import ZERO, Customer
from creditmgmt.models import Role
from creditmgmt.permissions import LEDGER_READERS, MANAGERS, role_required

# The counter screen: counter staff, and managers who want to see what the counter sees.
COUNTER_USERS = (Role.COUNTER, Role.MANAGER, Role.ADMIN)


@role_required(*COUNTER_USERS)
def counter(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")[:100]
    context = {"q": text, "hits": queries.counter_lookup(text), "company": settings.COMPANY}
    template = "acceptance/counter.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return render(request, template, context)


@role_required(*COUNTER_USERS)
def counter_decide(request: HttpRequest) -> HttpResponse:
    """Every lookup answer is a decision with channel counter (GET shows the empty screen)."""
    form = CounterDecideForm(request.POST if request.method == "POST" else None)
    decision = None
    if request.method == "POST" and form.is_valid():
        pk = form.cleaned_data["customer"]
        decision = services.decide(
            by=request.user,
            channel=Channel.COUNTER,
            customer=get_object_or_404(Customer.objects.select_related("controller"), pk=pk) if pk else None,
            registration_number=form.cleaned_data["registration"],
        )
    context = {"q": "", "hits": [], "decision": decision, "form": form, "company": settings.COMPANY}
    template = "acceptance/counter.html"
    if request.htmx and request.htmx.target == "answer":
        template += "#answer"
    return render(request, template, context)


@role_required(*MANAGERS)
def decision_list(request: HttpRequest) -> HttpResponse:
    form = DecisionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    decisions = queries.decision_log(outcome=filters.get("outcome", ""), channel=filters.get("channel", ""))
    page = Paginator(decisions, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "language": get_language()}
    template = "acceptance/decision_list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return render(request, template, context)


@role_required(*LEDGER_READERS)
def customer_decision(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest decision for the 360 (loaded by its acceptance panel), or as a page of its own."""
    customer = get_object_or_404(Customer, pk=pk)
    context = {
        "customer": customer,
        "decision": queries.latest_decision(customer),
        "language": get_language(),
    }
    template = "acceptance/customer_decision.html"
    if request.htmx:
        template += "#latest"
    return render(request, template, context)


@role_required(*MANAGERS)
@require_POST
def decision_override(request: HttpRequest) -> HttpResponse:
    """A manager answers a referred decision (accept with a limit, or reject) with a reason."""
    form = OverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an outcome and give a reason to override a decision."))
        return redirect("acceptance:decision_list")
    decision = get_object_or_404(Decision, pk=form.cleaned_data["decision"])
    try:
        new = services.override_decision(
            decision=decision,
            outcome=form.cleaned_data["outcome"],
            limit=form.cleaned_data["limit"] or ZERO,
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Decision overridden: %(outcome)s.") % {"outcome": new.get_outcome_display()}
        )
    return redirect("acceptance:decision_list")
