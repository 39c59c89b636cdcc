"""The workflow run page (progress, start, dry run) and the outbox."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.views import error_text
from creditmgmt.permissions import MANAGERS, role_required
from dunning import services
from dunning.models import LetterBatch, Message, WorkflowRun


@role_required(*MANAGERS)
def run_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    runs = list(WorkflowRun.objects.order_by("-date")[:30])
    current = next((r for r in runs if r.date == today), None)
    context = {"runs": runs, "current": current, "today": today}
    if request.htmx and request.htmx.target == "run-progress":
        return render(request, "dunning/run_list.html#progress", context)
    return render(request, "dunning/run_list.html", context)


@role_required(*MANAGERS)
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    try:
        services.start_workflow(by=request.user)
    except Exception as exc:  # noqa: BLE001 (in sync mode the run's own failure surfaces here)
        messages.error(request, _("The run did not finish: %(error)s") % {"error": exc})
    else:
        messages.success(request, _("The daily workflow was started; this page shows its progress."))
    return redirect("dunning:run_list")


@role_required(*MANAGERS)
def run_preview(request: HttpRequest) -> HttpResponse:
    from creditmgmt.daily import dry_run_daily

    rows = dry_run_daily() if request.GET.get("go") else None
    return render(request, "dunning/run_preview.html", {"rows": rows, "today": timezone.localdate()})


@role_required(*MANAGERS)
def outbox(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Message.Status.values:
        status = ""
    channel = request.GET.get("channel", "")
    if channel not in ("email", "letter", "sms"):
        channel = ""
    messages_qs = Message.objects.select_related("customer").order_by("-created_at", "-id")
    if status:
        messages_qs = messages_qs.filter(status=status)
    if channel:
        messages_qs = messages_qs.filter(channel=channel)
    counts = dict(Message.objects.values_list("status").annotate(n=Count("id")).order_by())
    page = Paginator(messages_qs, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "channel": channel,
        "counts": counts,
        "statuses": Message.Status.choices,
        "batches": LetterBatch.objects.order_by("-created_at")[:10],
    }
    if request.htmx and request.htmx.target == "outbox-rows":
        return render(request, "dunning/outbox.html#rows", context)
    return render(request, "dunning/outbox.html", context)


@role_required(*MANAGERS)
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(Message.objects.select_related("customer", "action__step", "batch"), pk=pk)
    return render(request, "dunning/message_detail.html", {"message": message})


@role_required(*MANAGERS)
@require_POST
def message_retry(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(Message, pk=pk)
    try:
        services.retry_message(message=message, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Queued again."))
    return redirect("dunning:message_detail", pk=pk)


@role_required(*MANAGERS)
def letter_batch_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(LetterBatch, pk=pk)
    path = Path(settings.MEDIA_ROOT) / batch.file
    if not batch.file or not path.is_file():
        messages.error(request, _("The PDF of this batch is not there (yet)."))
        return redirect("dunning:outbox")
    return FileResponse(path.open("rb"), filename=path.name, content_type="application/pdf")
