"""The shared inbox: lists (mine, team, unassigned, waiting, triage), a mail, its action; ingestion."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.models import Customer
from accounts.views import error_text
from creditmgmt.permissions import LEDGER_WRITERS, role_required
from dunning.inbox import services
from dunning.inbox.parse import sanitize
from dunning.models import InboundAttachment, InboundMail, MailCategory

MAX_UPLOAD_BYTES = 25 * 1024 * 1024
VIEWS = {
    "mine": _("Mine"),
    "team": _("My team"),
    "unassigned": _("Unassigned"),
    "waiting": _("Waiting"),
    "triage": _("Triage"),
    "done": _("Done"),
}


def _filtered(view: str, user):
    mails = InboundMail.objects.select_related("customer", "assignee").defer("raw", "body_html")
    return {
        "mine": mails.filter(assignee=user, status=InboundMail.Status.OPEN),
        "team": mails.filter(assignee__isnull=False, status=InboundMail.Status.OPEN),
        "unassigned": mails.filter(
            assignee__isnull=True, customer__isnull=False, status=InboundMail.Status.OPEN
        ),
        "waiting": mails.filter(status=InboundMail.Status.WAITING),
        "triage": mails.filter(customer__isnull=True).exclude(status=InboundMail.Status.DONE),
        "done": mails.filter(status=InboundMail.Status.DONE),
    }[view]


@role_required(*LEDGER_WRITERS)
def inbox(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("view", "mine")
    if view not in VIEWS:
        view = "mine"
    page = Paginator(_filtered(view, request.user), 50).get_page(request.GET.get("page"))
    return render(request, "dunning/inbox/list.html", {"page": page, "view": view, "views": VIEWS})


@role_required(*LEDGER_WRITERS)
def unread(request: HttpRequest) -> HttpResponse:
    """The navigation's badge: one COUNT (unread open mail that is the user's or nobody's)."""
    count = InboundMail.objects.unread_for(request.user).count()
    return render(request, "dunning/inbox/unread.html", {"count": count})


def _detail_context(mail: InboundMail, request: HttpRequest) -> dict:
    return {
        "mail": mail,
        "html": sanitize(mail.body_html) if mail.body_html else "",
        "raw_text": bytes(mail.raw).decode("utf-8", errors="replace")[:20000] if mail.malformed else "",
        "invoices": services.suggested_invoices(mail),
        "categories": MailCategory.choices,
        "statuses": InboundMail.Status.choices,
    }


@role_required(*LEDGER_WRITERS)
def mail_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mail = get_object_or_404(
        InboundMail.objects.select_related("customer", "assignee").prefetch_related("attachments"), pk=pk
    )
    services.mark_read(mail)
    return render(request, "dunning/inbox/mail.html", _detail_context(mail, request))


@role_required(*LEDGER_WRITERS)
@require_POST
def mail_link(request: HttpRequest, pk: int) -> HttpResponse:
    mail = get_object_or_404(InboundMail, pk=pk)
    number = request.POST.get("customer", "").strip()
    customer = Customer.objects.filter(Q(number=number) | Q(name__iexact=number)).first() if number else None
    if customer is None:
        messages.error(request, _("No customer with number or name “%(q)s”.") % {"q": number})
    else:
        services.link_to_customer(mail=mail, customer=customer, by=request.user)
        messages.success(request, _("Linked to %(name)s.") % {"name": customer.name})
    return redirect(mail)


@role_required(*LEDGER_WRITERS)
@require_POST
def mail_update(request: HttpRequest, pk: int) -> HttpResponse:
    mail = get_object_or_404(InboundMail, pk=pk)
    try:
        if status := request.POST.get("status"):
            services.set_status(mail=mail, status=status, by=request.user)
        if category := request.POST.get("category"):
            services.correct_category(mail=mail, category=category, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(mail)


@role_required(*LEDGER_WRITERS)
@require_POST
def mail_accept(request: HttpRequest, pk: int) -> HttpResponse:
    mail = get_object_or_404(InboundMail.objects.select_related("customer"), pk=pk)
    action = request.POST.get("action")
    error = ""
    try:
        if action == "promise":
            services.accept_promise(mail=mail, by=request.user)
        elif action == "dispute":
            services.accept_dispute(mail=mail, by=request.user)
        else:
            raise ValidationError(_("Choose an action."))
    except ValidationError as exc:
        error = error_text(exc)
    mail.refresh_from_db()
    if request.htmx:
        context = _detail_context(mail, request) | {"error": error}
        return render(request, "dunning/inbox/mail.html#suggestion", context)
    if error:
        messages.error(request, error)
    return redirect(mail)


@role_required(*LEDGER_WRITERS)
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(InboundAttachment, pk=pk, refused="")
    response = HttpResponse(bytes(item.data), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{item.filename.replace(chr(34), "")}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(*LEDGER_WRITERS)
def upload(request: HttpRequest) -> HttpResponse:
    results = []
    if request.method == "POST":
        files = request.FILES.getlist("files")
        if not files:
            messages.error(request, _("Choose one or more .eml files."))
        for f in files:
            if f.size > MAX_UPLOAD_BYTES:
                results.append((f.name, None, _("larger than 25 MB: not read")))
                continue
            mail, created = services.ingest(f.read(), source=InboundMail.Source.UPLOAD)
            results.append((f.name, mail, _("stored") if created else _("already in the inbox")))
    return render(request, "dunning/inbox/upload.html", {"results": results})


@csrf_exempt
@login_not_required
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """Raw MIME from the mail provider; the shared secret in X-Inbox-Secret or 403."""
    secret = settings.INBOX_WEBHOOK_SECRET
    given = request.headers.get("X-Inbox-Secret", "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        return HttpResponseForbidden("bad or missing secret")
    if not request.body or len(request.body) > MAX_UPLOAD_BYTES:
        return JsonResponse({"error": "empty or larger than 25 MB"}, status=400)
    mail, created = services.ingest(request.body, source=InboundMail.Source.WEBHOOK)
    return JsonResponse({"id": mail.pk, "created": created}, status=201 if created else 200)
