"""The controller's worklist: today's tasks by priority score, with htmx actions."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import TaskReassignForm, TaskSnoozeForm, task_assignees
from accounts.models import Task
from accounts.services import reassign_task, snooze_task
from accounts.views import error_text
from creditmgmt.fields import as_id
from creditmgmt.permissions import LEDGER_WRITERS, MANAGERS, role_required
from dunning import services
from dunning.forms import BulkForm, OutcomeForm
from dunning.models import DunningAction

PAGE = 50
TEMPLATE = "dunning/worklist.html"


def worklist_tasks(user, *, show: str, today):
    """Open tasks of the user, by priority then score (dunning steps and exceptions have one)."""
    tasks = (
        Task.objects.open()
        .filter(assignee=user)
        # Not the assignee (always `user` here) nor the invoice (not shown): two joins fewer.
        .select_related(
            "customer",
            "dunning_action",
            "dunning_action__step",
            "exception_case",
            "payment_plan",
        )
        .annotate(score=Coalesce(F("dunning_action__score"), F("exception_case__score"), Value(0)))
        .order_by("priority", "-score", "due_date", "id")
    )
    if show == "today":
        tasks = tasks.filter(due_date__lte=today)
    return tasks


def with_links(task: Task) -> Task:
    """The task's dunning action, exception case and payment plan as plain attributes (None when
    there is none): a missing reverse one-to-one raises, and the template engine answers each
    such miss with dir() over the model, six times a row."""
    for name, attribute in (
        ("action", "dunning_action"),
        ("case", "exception_case"),
        ("plan", "payment_plan"),
    ):
        setattr(task, name, getattr(task, attribute, None))
    return task


def get_task(request: HttpRequest, pk: int) -> Task:
    return get_object_or_404(
        Task.objects.select_related(
            "customer", "dunning_action", "dunning_action__step", "exception_case", "assignee", "payment_plan"
        ),
        pk=pk,
    )


def _options(choices) -> str:
    return format_html_join("", '<option value="{}">{}</option>', choices)


def _context(request: HttpRequest, *, hand_over_from: int | None = None, **extra) -> dict:
    """The page's context; the outcome and hand-over <option>s are built once here, not once per
    row (50 rows of option loops were most of the page's rendering time)."""
    today = timezone.localdate()
    assignees = list(task_assignees())
    return {
        "today": today,
        "tomorrow": today + timedelta(days=1),
        "outcome_form": OutcomeForm(),
        "outcome_options": _options(OutcomeForm.base_fields["code"].choices),
        "assignees": assignees,
        "handover_options": _options((u.pk, str(u)) for u in assignees if u.pk != hand_over_from),
        **extra,
    }


def viewed_user(request: HttpRequest, raw: str | None):
    """Whose worklist: one's own; managers may open anyone's (the team view links here)."""
    pk = as_id(raw or "")
    if pk is not None and pk != request.user.pk and request.user.has_role(*MANAGERS):
        return get_object_or_404(task_assignees().select_related("deputy"), pk=pk)
    return request.user


@role_required(*LEDGER_WRITERS)
def worklist(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    show = "all" if request.GET.get("show") == "all" else "today"
    person = viewed_user(request, request.GET.get("assignee"))
    page = Paginator(worklist_tasks(person, show=show, today=today), PAGE).get_page(request.GET.get("page"))
    page.object_list = [with_links(task) for task in page.object_list]
    away = person.absent_until is not None and person.absent_until >= today
    context = _context(
        request,
        hand_over_from=person.pk,  # the page lists only this person's tasks
        page=page,
        show=show,
        person=person,
        away=away,
        is_manager=request.user.has_role(*MANAGERS),
    )
    template = TEMPLATE + "#rows" if request.htmx and request.htmx.target == "worklist-rows" else TEMPLATE
    return render(request, template, context)


def _row(request: HttpRequest, task: Task, *, error: str = "", note: str = "") -> HttpResponse:
    if request.htmx:
        task = with_links(get_task(request, task.pk))
        context = _context(request, hand_over_from=task.assignee_id, task=task, error=error, done_note=note)
        return render(request, TEMPLATE + "#row", context)
    if error:
        messages.error(request, error)
    elif note:
        messages.success(request, note)
    return redirect("dunning:worklist")


@role_required(*LEDGER_WRITERS)
@require_POST
def task_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_task(request, pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return _row(request, task, error=_("Choose an outcome."))
    try:
        services.log_outcome(
            task=task,
            code=form.cleaned_data["code"],
            note=form.cleaned_data["note"],
            until=form.cleaned_data["promised_date"],
            by=request.user,
        )
    except ValidationError as exc:
        return _row(request, task, error=error_text(exc))
    return _row(request, task)


@role_required(*LEDGER_WRITERS)
@require_POST
def task_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_task(request, pk)
    form = TaskSnoozeForm(request.POST)
    if not form.is_valid():
        return _row(request, task, error=form.errors.as_text())
    try:
        snooze_task(task=task, until=form.cleaned_data["until"], by=request.user)
    except ValidationError as exc:
        return _row(request, task, error=error_text(exc))
    return _row(request, task)


@role_required(*LEDGER_WRITERS)
@require_POST
def task_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_task(request, pk)
    form = TaskReassignForm(request.POST)
    if not form.is_valid():
        return _row(request, task, error=_("Choose a person."))
    try:
        reassign_task(task=task, assignee=form.cleaned_data["assignee"], by=request.user)
    except ValidationError as exc:
        return _row(request, task, error=error_text(exc))
    return _row(request, task)


@role_required(*LEDGER_WRITERS)
@require_POST
def action_approve(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(DunningAction.objects.select_related("task"), pk=pk)
    try:
        services.approve_action(action=action, by=request.user)
    except ValidationError as exc:
        error = error_text(exc)
    else:
        error = ""
    if action.task_id:
        return _row(request, action.task, error=error, note="" if error else _("Approved; on its way."))
    if error:
        messages.error(request, error)
    return redirect("dunning:worklist")


@role_required(*LEDGER_WRITERS)
@require_POST
def action_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(DunningAction.objects.select_related("task"), pk=pk)
    try:
        services.cancel_action(
            action=action, note=request.POST.get("note", "").strip()[:200], by=request.user
        )
    except ValidationError as exc:
        error = error_text(exc)
    else:
        error = ""
    if action.task_id:
        return _row(request, action.task, error=error)
    if error:
        messages.error(request, error)
    return redirect("dunning:worklist")


@role_required(*LEDGER_WRITERS)
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    person = viewed_user(request, request.POST.get("person"))
    mine = list(Task.objects.open().filter(assignee=person).values_list("pk", flat=True))
    form = BulkForm(request.POST, task_ids=mine)
    if not form.is_valid():
        messages.error(request, _("Nothing done: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("dunning:worklist")
    data = form.cleaned_data
    tasks = Task.objects.filter(pk__in=data["tasks"]).select_related("dunning_action")
    done, problems = 0, []
    for task in tasks:
        try:
            with transaction.atomic():
                if data["do"] == "approve":
                    action = getattr(task, "dunning_action", None)
                    if action is None or action.status != DunningAction.Status.WAITING:
                        continue
                    services.approve_action(action=action, by=request.user)
                elif data["do"] == "snooze":
                    snooze_task(task=task, until=data["until"], by=request.user)
                else:
                    reassign_task(task=task, assignee=data["assignee"], by=request.user)
            done += 1
        except ValidationError as exc:
            problems.append(f"{task.customer_id}: {' '.join(exc.messages)}")
    messages.success(request, _("%(n)s tasks done.") % {"n": done})
    if problems:
        messages.error(request, "; ".join(problems))
    if person.pk != request.user.pk:
        return redirect(f"{reverse('dunning:worklist')}?assignee={person.pk}&show=all")
    return redirect("dunning:worklist")
