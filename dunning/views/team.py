"""Absence (one's own, or a manager for a controller) and the managers' team view of the worklists."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.forms import task_assignees
from accounts.models import Task
from creditmgmt.permissions import LEDGER_WRITERS, MANAGERS, role_required
from dunning.absence import set_absence
from dunning.forms import AbsenceForm

OPEN = Q(tasks__status=Task.Status.OPEN)


def team_rows(today):
    """Controllers and managers with their open tasks counted: one query."""
    return (
        task_assignees()
        .select_related("deputy")
        .annotate(
            open_tasks=Count("tasks", filter=OPEN),
            due_tasks=Count("tasks", filter=OPEN & Q(tasks__due_date__lte=today)),
            urgent_tasks=Count("tasks", filter=OPEN & Q(tasks__priority__lte=Task.Priority.HIGH)),
            exception_tasks=Count("tasks", filter=OPEN & Q(tasks__exception_case__isnull=False)),
        )
        .order_by("role", "first_name", "last_name", "username")
    )


def _absence(request: HttpRequest, user, *, back: str) -> HttpResponse:
    form = AbsenceForm(
        request.POST or None,
        user=user,
        initial={"absent_until": user.absent_until, "deputy": user.deputy_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            moved = set_absence(
                user=user,
                absent_until=form.cleaned_data["absent_until"],
                deputy=form.cleaned_data["deputy"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if form.cleaned_data["absent_until"]:
                note = _("%(user)s is away until %(until)s.") % {
                    "user": user,
                    "until": form.cleaned_data["absent_until"].strftime("%d-%m-%Y"),
                }
            else:
                note = _("%(user)s is available.") % {"user": user}
            if moved:
                note += " " + ngettext(
                    "%(n)s open task handed over.", "%(n)s open tasks handed over.", moved
                ) % {"n": moved}
            messages.success(request, note)
            return redirect(back)
    return render(
        request,
        "dunning/absence.html",
        {
            "form": form,
            "person": user,
            "own": user.pk == request.user.pk,
            "back": back,
            "today": timezone.localdate(),
        },
    )


@role_required(*LEDGER_WRITERS)
def absence(request: HttpRequest) -> HttpResponse:
    """One's own absence."""
    return _absence(request, request.user, back=reverse("dunning:worklist"))


@role_required(*MANAGERS)
def absence_for(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager sets a controller's absence (illness: the controller cannot)."""
    user = get_object_or_404(task_assignees(), pk=pk)
    return _absence(request, user, back=reverse("dunning:team"))


@role_required(*MANAGERS)
def team(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(request, "dunning/team.html", {"rows": list(team_rows(today)), "today": today})
