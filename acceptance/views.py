from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from acceptance import applications, limits, queries, releases, services
from acceptance.forms import (
    ConditionFormSet,
    CounterDecideForm,
    CreditApplicationForm,
    CreditLimitForm,
    DecisionFilterForm,
    OverrideForm,
    RuleForm,
    SimulationForm,
    TemporaryLimitForm,
    VersionTestForm,
    conditions_of,
)
from acceptance.models import (
    Channel,
    Checkpoint,
    CreditTerms,
    Decision,
    ReleaseRequest,
    Reservation,
    Rule,
    RuleSet,
    RuleSetVersion,
    VersionLocked,
)
from acceptance.simulation import simulate
from accounts.models import ZERO, Customer
from accounts.views import error_text
from creditmgmt.fields import as_id
from creditmgmt.models import Role
from creditmgmt.permissions import LEDGER_READERS, LEDGER_WRITERS, MANAGERS, role_required

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
    today = timezone.localdate()
    terms = CreditTerms.objects.filter(customer=customer).first()
    context = {
        "customer": customer,
        "decision": queries.latest_decision(customer),
        "exposure": limits.exposure_and_limit(customer, today=today),
        "terms": terms,
        "temporary_applies": terms is not None and terms.temporary_applies(today),
        "today": today,
        "can_manage_limit": request.user.has_role(*MANAGERS),
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
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request, _("Decision overridden: %(outcome)s.") % {"outcome": new.get_outcome_display()}
        )
    return redirect("acceptance:decision_list")


# --- rule-set editor, test and simulation (managers) -------------------------


def _rule_forms(version: RuleSetVersion, bound: dict | None = None, stale: dict | None = None) -> list[dict]:
    """Each rule with, for a draft, its edit form and conditions (bound for the rule just posted), and
    the values its reason still names after its conditions changed (`stale`, by rule: its editor opens)."""
    rows = []
    for rule in version.rules.all():
        row: dict = {"rule": rule}
        if stale and stale.get(rule.pk):
            row.update(stale=stale[rule.pk], open=True)
        if version.is_editable:
            prefix = f"rule{rule.pk}"
            if bound and bound.get("rule") == rule.pk:
                row.update(form=bound["form"], conditions=bound["conditions"], open=True)
            else:
                row["form"] = RuleForm(instance=rule, prefix=prefix)
                row["conditions"] = ConditionFormSet(
                    prefix=f"{prefix}c",
                    initial=[
                        {"feature": c.feature, "operator": c.operator, "value": c.value}
                        for c in rule.conditions.all()
                    ],
                )
        rows.append(row)
    return rows


def _new_rule_forms(data=None) -> tuple[RuleForm, ConditionFormSet]:
    return RuleForm(data, prefix="new"), ConditionFormSet(data, prefix="newc")


def _render_version(request: HttpRequest, version: RuleSetVersion, **extra) -> HttpResponse:
    new_form, new_conditions = extra.pop("new", None) or _new_rule_forms()
    context = {
        "version": version,
        "rows": _rule_forms(version, extra.pop("bound", None), extra.pop("stale", None)),
        "new_form": new_form,
        "new_conditions": new_conditions,
        "test_form": VersionTestForm(),
        "simulation_form": SimulationForm(initial=_default_period()),
        "language": get_language(),
        **extra,
    }
    template = "acceptance/version_detail.html"
    if request.htmx and request.htmx.target == "rules":
        template += "#rules"
    return render(request, template, context)


def _default_period() -> dict:
    today = timezone.localdate()
    return {"start": today - timedelta(days=90), "end": today, "days": 30}


@role_required(*MANAGERS)
def rule_set_list(request: HttpRequest) -> HttpResponse:
    rule_sets = RuleSet.objects.prefetch_related(
        Prefetch(
            "versions", queryset=RuleSetVersion.objects.select_related("activated_by").order_by("-number")
        )
    ).order_by("-in_use", "code")
    context = {
        "rule_sets": rule_sets,
        "checkpoints": Checkpoint.objects.all(),
        "on_breach_choices": Checkpoint.OnBreach.choices,
    }
    return render(request, "acceptance/rule_set_list.html", context)


@role_required(*MANAGERS)
@require_POST
def checkpoint_update(request: HttpRequest) -> HttpResponse:
    """Per checkpoint, what a request over the available credit does: warn, block or nothing."""
    changed = []
    for checkpoint in Checkpoint.objects.all():
        value = request.POST.get(checkpoint.code)
        if value in Checkpoint.OnBreach.values and value != checkpoint.on_breach:
            checkpoint.on_breach = value
            checkpoint.save(update_fields=["on_breach"])
            changed.append(str(checkpoint))
    if changed:
        messages.success(request, _("Checkpoints saved: %(names)s.") % {"names": ", ".join(changed)})
    return redirect("acceptance:rule_set_list")


@role_required(*MANAGERS)
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_version(request, _version_or_404(pk))


def _version_or_404(pk: int) -> RuleSetVersion:
    try:
        return services.load_version(pk)
    except RuleSetVersion.DoesNotExist:
        raise Http404 from None


def _after_edit(request: HttpRequest, version: RuleSetVersion, rule: Rule | None = None) -> HttpResponse:
    """The rules again (htmx) or the page; a rule whose reason still names a condition's old value
    (`rule.stale_values`, from update_rule) says so at the rule, or in a message after a redirect."""
    stale = getattr(rule, "stale_values", None) or []
    if request.htmx:
        by_rule = {rule.pk: stale} if rule is not None and stale else None
        return _render_version(request, services.load_version(version.pk), stale=by_rule)
    for value in stale:
        messages.warning(request, f"{rule.display_name}: {value.message}")  # type: ignore[union-attr]
    return redirect("acceptance:version_detail", pk=version.pk)


def _locked(request: HttpRequest, version: RuleSetVersion, exc: ValidationError) -> HttpResponse:
    messages.error(request, error_text(exc))
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("acceptance:version_detail", args=[version.pk])
        return response
    return redirect("acceptance:version_detail", pk=version.pk)


@role_required(*MANAGERS)
@require_POST
def rule_add(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(RuleSetVersion, pk=pk)
    form, conditions = _new_rule_forms(request.POST)
    if form.is_valid() and conditions.is_valid():
        try:
            services.add_rule(
                version=version, by=request.user, conditions=conditions_of(conditions), **form.cleaned_data
            )
        except VersionLocked as exc:
            return _locked(request, version, exc)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _after_edit(request, version)
    return _render_version(request, services.load_version(version.pk), new=(form, conditions), adding=True)


@role_required(*MANAGERS)
@require_POST
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule.objects.select_related("version"), pk=pk)
    prefix = f"rule{rule.pk}"
    form = RuleForm(request.POST, instance=rule, prefix=prefix)
    conditions = ConditionFormSet(request.POST, prefix=f"{prefix}c")
    if form.is_valid() and conditions.is_valid():
        try:
            updated = services.update_rule(
                rule=rule, by=request.user, conditions=conditions_of(conditions), **form.cleaned_data
            )
        except VersionLocked as exc:
            return _locked(request, rule.version, exc)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _after_edit(request, rule.version, updated)
    bound = {"rule": rule.pk, "form": form, "conditions": conditions}
    return _render_version(request, services.load_version(rule.version_id), bound=bound)


@role_required(*MANAGERS)
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule.objects.select_related("version"), pk=pk)
    try:
        services.delete_rule(rule=rule, by=request.user)
    except VersionLocked as exc:
        return _locked(request, rule.version, exc)
    return _after_edit(request, rule.version)


@role_required(*MANAGERS)
@require_POST
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule.objects.select_related("version"), pk=pk)
    try:
        services.move_rule(rule=rule, up=request.POST.get("direction") != "down", by=request.user)
    except VersionLocked as exc:
        return _locked(request, rule.version, exc)
    return _after_edit(request, rule.version)


@role_required(*MANAGERS)
@require_POST
def version_activate(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(RuleSetVersion, pk=pk)
    try:
        services.activate_version(version=version, by=request.user)
    except VersionLocked as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("%(v)s is now active.") % {"v": version})
    return redirect("acceptance:version_detail", pk=version.pk)


@role_required(*MANAGERS)
@require_POST
def version_copy(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(RuleSetVersion.objects.select_related("rule_set"), pk=pk)
    draft = services.create_draft_version(rule_set=version.rule_set, by=request.user, copy_from=version)
    messages.success(request, _("Draft %(d)s made from %(v)s.") % {"d": draft, "v": version})
    return redirect("acceptance:version_detail", pk=draft.pk)


@role_required(*MANAGERS)
def version_test(request: HttpRequest, pk: int) -> HttpResponse:
    """What would this version decide for a company, and why (nothing is stored)."""
    version = _version_or_404(pk)
    form = VersionTestForm(request.GET or None)
    assessment, error = None, ""
    if form.is_valid():
        customer, registration = queries.find_company(form.cleaned_data["company"])
        if customer is None and not registration:
            error = _(
                "No single company matches; give a customer number, an 8-digit KvK number "
                "or a more precise name."
            )
        else:
            assessment = services.assess(
                version=version,
                channel=form.cleaned_data["channel"],
                customer=customer,
                registration_number=registration,
                amount=form.cleaned_data["amount"],
            )
            assessment.customer = customer
            assessment.registration = registration or (customer.kvk_number if customer else "")
    context = {
        "version": version,
        "test_form": form,
        "assessment": assessment,
        "error": error,
        "language": get_language(),
    }
    template = "acceptance/version_test.html"
    if request.htmx:
        template += "#result"
    return render(request, template, context)


@role_required(*MANAGERS)
def version_simulate(request: HttpRequest, pk: int) -> HttpResponse:
    """Replay the decisions of a period against this version, beside the version in use."""
    version = _version_or_404(pk)
    form = SimulationForm(request.GET or None, initial=_default_period())
    result = None
    baseline = services.active_version()
    if form.is_valid():
        result = simulate(
            draft=version,
            baseline=baseline,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            days=form.cleaned_data["days"],
        )
    context = {
        "version": version,
        "baseline": baseline,
        "form": form,
        "result": result,
        "language": get_language(),
    }
    return render(request, "acceptance/version_simulate.html", context)


@role_required(*MANAGERS)
def customer_limit(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager changes the credit limit (with a review date) or grants a temporary limit, saying why."""
    customer = get_object_or_404(Customer, pk=pk)
    terms = CreditTerms.objects.filter(customer=customer).first()
    today = timezone.localdate()
    limit_form = CreditLimitForm(
        request.POST if request.POST.get("form") == "limit" else None,
        initial={"amount": customer.credit_limit, "review_on": terms.review_on if terms else None},
    )
    temporary_form = TemporaryLimitForm(request.POST if request.POST.get("form") == "temporary" else None)
    form = limit_form if limit_form.is_bound else temporary_form if temporary_form.is_bound else None
    if form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if form is limit_form:
                limits.set_credit_limit(
                    customer=customer,
                    amount=data["amount"],
                    review_on=data["review_on"],
                    reason=data["reason"],
                    by=request.user,
                )
            else:
                limits.grant_temporary_limit(
                    customer=customer,
                    amount=data["amount"],
                    until=data["until"],
                    reason=data["reason"],
                    by=request.user,
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            saved = _("Credit limit saved.") if form is limit_form else _("Temporary limit saved.")
            messages.success(request, saved)
            return redirect("acceptance:customer_limit", pk=customer.pk)
    context = {
        "customer": customer,
        "terms": terms,
        "temporary_applies": terms is not None and terms.temporary_applies(today),
        "today": today,
        "exposure": limits.exposure_and_limit(customer, today=today),
        "reservations": Reservation.objects.filter(customer=customer).order_by("-created_at")[:20],
        "history": customer.events.filter(verb__in=LIMIT_VERBS)
        .select_related("actor")
        .order_by("-created_at")[:20],
        "limit_form": limit_form,
        "temporary_form": temporary_form,
    }
    return render(request, "acceptance/customer_limit.html", context)


LIMIT_VERBS = ("limit_changed", "limit_raised", "limit_raise_ended")


# --- release requests from the counter ----------------------------------------


def _release_status(request: HttpRequest, release: ReleaseRequest | None, error: str = "") -> HttpResponse:
    template = "acceptance/release_status.html"
    if request.htmx:
        template += "#status"
    return render(request, template, {"release": release, "error": error})


@role_required(*COUNTER_USERS)
@require_POST
def release_request(request: HttpRequest) -> HttpResponse:
    """The clerk asks the credit department to release an orange or red answer."""
    if as_id(request.POST.get("decision", "")) is None:
        return _release_status(request, None, _("Look the customer up first."))
    decision = get_object_or_404(
        Decision.objects.select_related("customer__controller"),
        pk=request.POST["decision"],
        channel=Channel.COUNTER,
    )
    if request.user.role == Role.COUNTER and decision.requester_id != request.user.pk:
        raise Http404
    try:
        amount = Decimal(request.POST["amount"]) if request.POST.get("amount") else None
    except (InvalidOperation, ValueError):
        return _release_status(request, None, _("The amount is not a number."))
    try:
        release = releases.request_release(
            decision=decision, by=request.user, amount=amount, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        return _release_status(request, None, error_text(exc))
    return _release_status(request, release)


@role_required(*COUNTER_USERS)
def release_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The answer so far (the counter polls this while it waits); the clerk sees only their own."""
    release = get_object_or_404(ReleaseRequest.objects.select_related("decision"), pk=pk)
    if request.user.role == Role.COUNTER and release.requested_by_id != request.user.pk:
        raise Http404
    return _release_status(request, release)


@role_required(*LEDGER_WRITERS)
def release_list(request: HttpRequest) -> HttpResponse:
    requests = ReleaseRequest.objects.select_related("customer", "requested_by", "answered_by", "decision")
    context = {
        "pending": list(requests.filter(status=ReleaseRequest.Status.PENDING).order_by("created_at")),
        "answered": list(
            requests.exclude(status=ReleaseRequest.Status.PENDING).order_by("-answered_at")[:20]
        ),
        "language": get_language(),
    }
    return render(request, "acceptance/release_list.html", context)


@role_required(*LEDGER_WRITERS)
@require_POST
def release_answer(request: HttpRequest, pk: int) -> HttpResponse:
    release = get_object_or_404(ReleaseRequest, pk=pk)
    try:
        amount = Decimal(request.POST["amount"]) if request.POST.get("amount") else None
        releases.answer_release(
            release=release,
            release_it=request.POST.get("release") == "yes",
            amount=amount,
            answer=request.POST.get("answer", ""),
            by=request.user,
        )
    except (InvalidOperation, ValueError):
        messages.error(request, _("The amount is not a number."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The counter sees your answer."))
    return redirect("acceptance:release_list")


# --- credit application for a prospect -----------------------------------------


@role_required(*LEDGER_READERS)
def credit_application(request: HttpRequest) -> HttpResponse:
    """Controllers and sales: a new company applies for credit; on acceptance it becomes a customer."""
    form = CreditApplicationForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = applications.apply_for_credit(
                registration_number=form.cleaned_data["registration_number"],
                name=form.cleaned_data["name"],
                vat_number=form.cleaned_data["vat_number"],
                amount=form.cleaned_data["amount"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
    context = {"form": form, "result": result, "language": get_language()}
    return render(request, "acceptance/credit_application.html", context)
