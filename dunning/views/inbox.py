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
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.models import Customer, Invoice
from accounts.views import error_text
from creditmgmt.permissions import LEDGER_WRITERS, role_required
from dunning.inbox import replies, services
from dunning.inbox.parse import sanitize
from dunning.models import InboundAttachment, InboundMail, MailCategory

MAX_UPLOAD_BYTES = 25 * 1024 * 1024
VIEWS = {
    "mine": gettext_lazy("Mine"),
    "team": gettext_lazy("My team"),
    "unassigned": gettext_lazy("Unassigned"),
    "waiting": gettext_lazy("Waiting for the customer"),
    "triage": gettext_lazy("Triage"),
    "done": gettext_lazy("Done"),
}


LIST_FIELDS = (
    "received_at", "from_name", "from_address", "subject", "read_at", "malformed", "category",
    "status", "respond_by", "responded_at", "customer", "assignee",
)  # fmt: skip


def _filtered(view: str, user):
    # Only the list's columns: bodies and raw bytes stay in the database (10,000 mails: a few MB a page).
    mails = InboundMail.objects.select_related("customer", "assignee").only(
        *LIST_FIELDS, "customer__name", "customer__number", "assignee__username",
        "assignee__first_name", "assignee__last_name",
    )  # fmt: skip
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
    context = {"page": page, "view": view, "views": VIEWS, "now": timezone.now()}
    return render(request, "dunning/inbox/list.html", context)


@role_required(*LEDGER_WRITERS)
def unread(request: HttpRequest) -> HttpResponse:
    """The navigation's badge: one COUNT (unread open mail that is the user's or nobody's)."""
    count = InboundMail.objects.unread_for(request.user).count()
    return render(request, "dunning/inbox/unread.html", {"count": count})


def _reply_form(mail: InboundMail, key: str, open_invoices: list[Invoice]) -> dict:
    """The reply card: a template's text for this customer, editable before it goes to the outbox."""
    keys = replies.reply_keys()
    key = key if key in keys else (replies.REPLY_KEY if replies.REPLY_KEY in keys else (keys or [""])[0])
    form = {
        "keys": [(k, replies.key_label(k)) for k in keys],
        "key": key,
        "token": replies.new_token(),
        "to": mail.from_address,
    }
    if mail.customer_id and key:
        rendered, language = replies.draft(
            customer=mail.customer,
            key=key,
            to=mail.from_address,
            mail=mail,
            invoices=open_invoices[: replies.MAX_COPIES],
        )
        form |= {"subject": rendered.subject, "body": rendered.body, "language": language}
    return form


def _detail_context(mail: InboundMail, request: HttpRequest, *, key: str = "") -> dict:
    # Read once: the suggestion, the invoice copies and the reply's draft all pick from these.
    open_invoices = list(replies.open_invoices(mail.customer_id)) if mail.customer_id else []
    invoices = services.suggested_invoices(mail, open_invoices)
    return {
        "mail": mail,
        "html": sanitize(mail.body_html) if mail.body_html else "",
        "raw_text": bytes(mail.raw).decode("utf-8", errors="replace")[:20000] if mail.malformed else "",
        "invoices": invoices,
        "categories": MailCategory.choices,
        "statuses": InboundMail.Status.choices,
        "reply": _reply_form(mail, key, open_invoices),
        "sent": list(mail.replies.order_by("created_at", "id")),
        "copies": replies.copy_documents(mail, invoices) if mail.category == MailCategory.COPY else None,
    }


@role_required(*LEDGER_WRITERS)
def mail_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mail = get_object_or_404(
        InboundMail.objects.select_related("customer", "assignee").prefetch_related("attachments"), pk=pk
    )
    services.mark_read(mail)
    context = _detail_context(mail, request, key=request.GET.get("template", ""))
    if request.htmx and request.GET.get("template"):
        return render(request, "dunning/inbox/mail.html#reply", context)
    return render(request, "dunning/inbox/mail.html", context)


@role_required(*LEDGER_WRITERS)
@require_POST
def mail_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the (edited) reply through the outbox; the mail waits for the customer."""
    mail = get_object_or_404(InboundMail.objects.select_related("customer"), pk=pk)
    if mail.customer is None:
        messages.error(request, _("Link the mail to a customer first."))
        return redirect(mail)
    try:
        replies.queue_email_from_form(request.POST, customer=mail.customer, mail=mail, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Reply queued: the outbox sends it within minutes."))
    return redirect(mail)


@role_required(*LEDGER_WRITERS)
def compose(request: HttpRequest) -> HttpResponse:
    """A new mail to a customer from a template (the customer by number, as in triage)."""
    number = (request.POST.get("customer") or request.GET.get("customer") or "").strip()
    customer = Customer.objects.filter(number=number).first() if number else None
    keys = replies.reply_keys()
    key = request.GET.get("template") or (replies.REPLY_KEY if replies.REPLY_KEY in keys else "")
    labelled = [(k, replies.key_label(k)) for k in keys]
    form: dict = {"customer": number, "keys": labelled, "key": key, "token": replies.new_token()}
    if number and customer is None:
        messages.error(request, _("No customer with number “%(q)s”.") % {"q": number})
    if customer is not None and request.method == "POST":
        try:
            message = replies.queue_email_from_form(request.POST, customer=customer, by=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            form |= {k: request.POST.get(k, "") for k in ("to", "subject", "body", "language", "token")}
        else:
            messages.success(request, _("E-mail to %(to)s queued.") % {"to": message.recipient})
            return redirect(customer)
    elif customer is not None and key in keys:
        contact, _language = replies.addressee(customer, "")
        to = contact.email if contact else ""
        rendered, language = replies.draft(customer=customer, key=key, to=to)
        form |= {"to": to, "subject": rendered.subject, "body": rendered.body, "language": language}
    return render(request, "dunning/inbox/compose.html", {"form": form, "target": customer})


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
        elif action == "copy":
            replies.accept_copy(
                mail=mail, by=request.user, token=request.POST.get("token", "")[:40] or replies.new_token()
            )
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
    # Quotes and line breaks in a sender's file name are encoded, never a broken header.
    response["Content-Disposition"] = content_disposition_header(True, item.filename)
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
