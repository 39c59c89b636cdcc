"""Portal pages. Public ones take the token (see guard.portal_view); staff ones name their roles.

Every invoice a public page touches is looked up within the token's customer,
so an id from another customer is simply not found (404).
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Customer, Invoice
from accounts.pdf import render_invoice_pdf
from accounts.views import error_text
from creditmgmt.fields import as_id
from creditmgmt.permissions import LEDGER_READERS, LEDGER_WRITERS, role_required
from dunning.models import ChangeRequest, Message, PaymentPlan, Promise, RemittanceAdvice
from dunning.portal import display, forms, services
from dunning.portal.guard import LANGUAGE_COOKIE, LANGUAGES, portal_view
from dunning.portal.payments import demo_pay, provider
from dunning.portal.statement import aging, render_statement_pdf
from dunning.rendering import primary_contact

BY = services.CUSTOMER


def contract(module: str, name: str):
    """A service of the disputes/promises contract, or None while that part is not installed."""
    try:
        return getattr(import_module(module), name)
    except (ImportError, AttributeError):
        return None


def open_invoices(customer: Customer) -> QuerySet[Invoice]:
    return Invoice.objects.filter(customer=customer, status=Invoice.Status.OPEN, open_amount__gt=0).order_by(
        "due_date", "id"
    )


def with_agreements(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Each invoice with what was agreed already, in the same query: `promised_on` (the date of an
    open promise, else None) and `in_plan` (in a payment plan asked for or running)."""
    return invoices.annotate(
        promised_on=Subquery(
            Promise.objects.open()
            .filter(invoices=OuterRef("pk"))
            .order_by("promised_date")
            .values("promised_date")[:1]
        ),
        in_plan=Exists(PaymentPlan.objects.pausing().filter(invoices=OuterRef("pk"))),
    )


def page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    portal = request.portal
    base = {
        "customer": portal.customer,
        "token": portal.raw,
        "portal_language": portal.language,
        "company": settings.COMPANY,
        "today": timezone.localdate(),
    }
    return render(request, template, {**base, **context}, status=status)


def disputed_ids(customer: Customer) -> set[int]:
    """Invoices in an open dispute (shown as such instead of a "Dispute" link)."""
    try:
        from dunning.models import Dispute  # type: ignore[attr-defined]
    except ImportError:
        return set()
    return set(Dispute.objects.open().filter(customer=customer).values_list("invoices", flat=True))


def choice_context(form, invoices, field: str = "invoices") -> dict:
    """The invoice checkboxes (or options) as HTML, built in one pass (fast with hundreds of invoices)."""
    choices = display.invoice_choices(invoices)
    chosen = display.selected_ids(form, field)
    if field == "invoice":
        return {"invoice_options": display.options(choices, chosen)}
    return {"invoice_checks": display.checkboxes(choices, chosen)}


def home_url(request: HttpRequest) -> str:
    return reverse("portal:home", args=[request.portal.raw])


# --- public pages --------------------------------------------------------------


@portal_view
def home(request: HttpRequest) -> HttpResponse:
    services.record_opening(request.portal.token)
    customer = request.portal.customer
    today = timezone.localdate()
    invoices = list(with_agreements(open_invoices(customer)))
    summary = aging(invoices, today)
    return page(
        request,
        "portal/home.html",
        {
            "invoices": invoices,
            "rows": display.open_rows(
                invoices, prefix=home_url(request), today=today, disputed=disputed_ids(customer)
            ),
            "aging": summary,
            "overdue": sum(summary.buckets[1:], start=summary.total * 0),
            "provider": provider(),
            "tab": "open",
        },
    )


@portal_view
def paid(request: HttpRequest) -> HttpResponse:
    invoices = Invoice.objects.filter(customer=request.portal.customer, status=Invoice.Status.PAID).order_by(
        "-paid_date", "-id"
    )[:100]
    rows = display.paid_rows(invoices, prefix=home_url(request))
    return page(request, "portal/paid.html", {"rows": rows, "tab": "paid"})


@portal_view
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = (
        Invoice.objects.filter(customer=request.portal.customer, pk=pk)
        .exclude(status=Invoice.Status.CANCELLED)
        .select_related("customer")
        .first()
    )
    if invoice is None:
        raise Http404
    pdf = render_invoice_pdf(invoice, language=request.portal.language)
    return FileResponse(pdf, content_type="application/pdf", filename=f"{invoice.number}.pdf")


@portal_view
def statement_pdf(request: HttpRequest) -> HttpResponse:
    customer = request.portal.customer
    pdf = render_statement_pdf(
        customer, list(open_invoices(customer)), today=timezone.localdate(), language=request.portal.language
    )
    return FileResponse(pdf, content_type="application/pdf", filename=f"statement-{customer.number}.pdf")


@portal_view
@require_POST
def pay(request: HttpRequest) -> HttpResponse:
    customer = request.portal.customer
    candidates = open_invoices(customer)
    if request.POST.get("all"):
        chosen = list(candidates)
    else:
        form = forms.PayForm(request.POST, open_invoices=candidates)
        if not form.is_valid():
            messages.error(request, _("Tick the invoices you want to pay."))
            return redirect(home_url(request))
        chosen = list(form.cleaned_data["invoices"])
    if not chosen:
        messages.error(request, _("Nothing is open to pay."))
        return redirect(home_url(request))
    return redirect(provider().start(raw_token=request.portal.raw, customer=customer, invoices=chosen))


@portal_view
def demo_checkout(request: HttpRequest) -> HttpResponse:
    customer = request.portal.customer
    raw_ids = (request.POST.get("invoices") or request.GET.get("invoices", "")).split(",")
    ids = [pk for pk in map(as_id, raw_ids) if pk is not None][:500]
    invoices = list(open_invoices(customer).filter(pk__in=ids))
    if not invoices:
        messages.error(request, _("Nothing is open to pay."))
        return redirect(home_url(request))
    total = sum((i.open_amount for i in invoices), start=invoices[0].open_amount * 0)
    if request.method == "POST":
        try:
            payment = demo_pay(customer=customer, invoices=invoices)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(
                request,
                _("DEMO: a payment of %(amount)s was recorded for %(count)s invoice(s). No money was moved.")
                % {"amount": f"{payment.currency} {payment.amount}", "count": len(invoices)},
            )
        return redirect(home_url(request))
    return page(
        request,
        "portal/demo_checkout.html",
        {"invoices": invoices, "total": total, "ids": ",".join(str(i.pk) for i in invoices)},
    )


def _promise_thanks(request: HttpRequest, promised_date) -> HttpResponse:
    messages.success(
        request,
        _(
            "Thank you. We expect your payment on %(date)s and will not send reminders for these "
            "invoices until then."
        )
        % {"date": date_format(promised_date, "DATE_FORMAT")},
    )
    return redirect(home_url(request))


@portal_view
def promise(request: HttpRequest) -> HttpResponse:
    customer = request.portal.customer
    if request.method == "POST":
        # A double submit (or a reload of the answer): the promise is there already, so thank them again.
        earlier = services.earlier_promise(
            customer,
            invoice_ids=request.POST.getlist("invoices"),
            promised_date=request.POST.get("promised_date", ""),
        )
        if earlier is not None:
            return _promise_thanks(request, earlier.promised_date)
    candidates = list(with_agreements(open_invoices(customer)))
    free = [i for i in candidates if i.promised_on is None and not i.in_plan]
    form = forms.PromiseForm(
        request.POST or None, open_invoices=open_invoices(customer), initial=_preselect(request, free)
    )
    if request.method == "POST" and form.is_valid():
        make_promise = contract("dunning.services.promises", "make_promise")
        try:
            if make_promise is None:
                raise ValidationError(_("Promising a date is not available yet; please call us."))
            make_promise(
                customer=customer,
                invoices=list(form.cleaned_data["invoices"]),
                promised_date=form.cleaned_data["promised_date"],
                channel="portal",
                by=BY,
            )
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            return _promise_thanks(request, form.cleaned_data["promised_date"])
    return page(
        request, "portal/promise.html", {"form": form, "tab": "open", **choice_context(form, candidates)}
    )


def _plan_thanks(request: HttpRequest, plan) -> HttpResponse:
    approved = getattr(plan, "status", "") in ("approved", "active")
    messages.success(
        request,
        _("Your payment plan is approved. Please pay each installment on its date.")
        if approved
        else _("Thank you. Your request goes to a manager; we will let you know."),
    )
    return redirect(home_url(request))


@portal_view
def plan(request: HttpRequest) -> HttpResponse:
    customer = request.portal.customer
    if request.method == "POST" and request.POST.get("confirm"):
        # A double submit of "Agree" (or a reload of the answer): the plan is there already.
        earlier = services.earlier_plan(customer, invoice_ids=request.POST.getlist("invoices"))
        if earlier is not None:
            return _plan_thanks(request, earlier)
    candidates = list(with_agreements(open_invoices(customer)))
    free = [i for i in candidates if not i.in_plan]
    form = forms.PlanForm(
        request.POST or None, open_invoices=open_invoices(customer), initial=_preselect(request, free)
    )
    context: dict = {"form": form, "tab": "open", **choice_context(form, candidates)}
    if request.method == "POST" and form.is_valid():
        suggest = contract("dunning.services.plans", "suggest_installments")
        check = contract("dunning.services.plans", "check_plan")
        request_plan = contract("dunning.services.plans", "request_plan")
        try:
            if None in (suggest, check, request_plan):
                raise ValidationError(_("Asking for a payment plan is not available yet; please call us."))
            invoices = list(form.cleaned_data["invoices"])
            installments = suggest(
                invoices=invoices,
                count=form.cleaned_data["count"],
                first_date=form.cleaned_data["first_date"],
            )
            if request.POST.get("confirm"):
                made = request_plan(
                    customer=customer,
                    invoices=invoices,
                    installments=installments,
                    by=BY,
                    channel="portal",
                    note=form.cleaned_data["note"],
                )
                return _plan_thanks(request, made)
            context["installments"] = installments
            context["verdict"] = check(
                customer=customer, installments=installments, today=timezone.localdate()
            )
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
    return page(request, "portal/plan.html", context)


def _preselect(request: HttpRequest, candidates) -> dict:
    """The invoices named in the address (?invoice=1&invoice=2), else all the candidates (the open
    ones not already promised or in a plan: ticking those would only be refused)."""
    ids = [pk for pk in map(as_id, request.GET.getlist("invoice")) if pk is not None]
    return {"invoices": ids or [i.pk for i in candidates]}


def _dispute_reasons(language: str) -> tuple[list[tuple[str, str]], set[str]]:
    """The active reasons as choices, and those that need the customer's own words ("other")."""
    try:
        from dunning.models import DisputeReason  # type: ignore[attr-defined]
    except ImportError:
        return [], set()
    active = list(DisputeReason.objects.active())
    return [(str(r.pk), r.label(language)) for r in active], {str(r.pk) for r in active if r.code == "other"}


def _dispute_thanks(request: HttpRequest, invoice) -> HttpResponse:
    messages.success(
        request,
        _("Thank you. We will look into invoice %(number)s and send no reminders for it meanwhile.")
        % {"number": invoice.number},
    )
    return redirect(home_url(request))


@portal_view
def dispute(request: HttpRequest) -> HttpResponse:
    customer = request.portal.customer
    # An invoice already in an open dispute is not offered again (the home page says "under dispute").
    candidates = open_invoices(customer).exclude(pk__in=disputed_ids(customer))
    if request.method == "POST":
        # A double submit (or a reload of the answer): the dispute is there already, so thank them again.
        earlier = services.earlier_dispute(
            customer,
            invoice_id=request.POST.get("invoice", ""),
            reason_id=request.POST.get("reason", ""),
            message=request.POST.get("message", ""),
        )
        if earlier is not None:
            return _dispute_thanks(request, earlier.invoices.order_by("pk").first())
    listed = list(candidates)
    initial = {}
    if (chosen := as_id(request.GET.get("invoice", ""))) is not None:
        initial["invoice"] = chosen
    reasons, needs_words = _dispute_reasons(request.portal.language)
    form = forms.DisputeForm(
        request.POST or None,
        request.FILES or None,
        open_invoices=candidates,
        reasons=reasons,
        needs_words=needs_words,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        open_dispute = contract("dunning.services.disputes", "open_dispute")
        try:
            if open_dispute is None:
                raise ValidationError(_("Disputing online is not available yet; please call us."))
            from dunning.models import DisputeReason  # type: ignore[attr-defined]

            attachment = form.cleaned_data["attachment"] or None
            if attachment is not None:
                try:
                    services.check_upload(attachment)
                except ValidationError as exc:
                    form.add_error("attachment", error_text(exc))
                    raise
            open_dispute(
                customer=customer,
                invoices=[form.cleaned_data["invoice"]],
                reason=DisputeReason.objects.get(pk=form.cleaned_data["reason"]),
                message=form.cleaned_data["message"],
                by=BY,
                channel="portal",
                attachment=attachment,
                # The customer's controller owns what the customer raises (a manager may hand it on).
                owner=customer.controller,
            )
        except ValidationError as exc:
            if not form.has_error("attachment"):
                form.add_error(None, error_text(exc))
        else:
            return _dispute_thanks(request, form.cleaned_data["invoice"])
    return page(
        request,
        "portal/dispute.html",
        {
            "form": form,
            "tab": "open",
            "nothing_open": not listed and not open_invoices(customer).exists(),
            # A browser never keeps a chosen file when the form comes back with a mistake.
            "choose_file_again": bool(request.FILES.get("attachment")) and not form.has_error("attachment"),
            **choice_context(form, listed, "invoice"),
        },
    )


@portal_view
def remittance(request: HttpRequest) -> HttpResponse:
    form = forms.RemittanceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.upload_remittance(
                customer=request.portal.customer,
                upload=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
                token=request.portal.token,
            )
        except ValidationError as exc:
            form.add_error("file", error_text(exc))
        else:
            messages.success(request, _("Thank you. We received your remittance advice and will process it."))
            return redirect(home_url(request))
    return page(request, "portal/remittance.html", {"form": form, "tab": "open"})


@portal_view
def details(request: HttpRequest) -> HttpResponse:
    customer = request.portal.customer
    contact = primary_contact(list(customer.contacts.all()))
    current = services.current_details(customer, contact)
    which = request.POST.get("form") if request.method == "POST" else None
    contact_form = forms.ContactForm(request.POST if which == "contact" else None, initial=current)
    preferences_form = forms.PreferencesForm(
        request.POST if which == "preferences" else None,
        initial={
            "language": request.portal.language,
            "channel": contact.preferred_channel if contact else "email",
        },
    )
    if which == "contact" and contact_form.is_valid():
        made = services.request_contact_change(
            customer=customer, proposed=contact_form.cleaned_data, token=request.portal.token
        )
        messages.success(
            request,
            _("Thank you. We will check and apply your corrections.") if made else _("Nothing was changed."),
        )
        return redirect(reverse("portal:details", args=[request.portal.raw]))
    if which == "preferences" and preferences_form.is_valid():
        try:
            services.update_preferences(
                customer=customer,
                language=preferences_form.cleaned_data["language"],
                channel=preferences_form.cleaned_data["channel"],
                token=request.portal.token,
            )
        except ValidationError as exc:
            preferences_form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("Your preferences are saved."))
            response = redirect(reverse("portal:details", args=[request.portal.raw]))
            response.set_cookie(
                LANGUAGE_COOKIE, preferences_form.cleaned_data["language"], samesite="Lax", httponly=True
            )
            return response
    pending = ChangeRequest.objects.filter(
        customer=customer, kind=ChangeRequest.Kind.CONTACT, status=ChangeRequest.Status.PENDING
    ).exists()
    return page(
        request,
        "portal/details.html",
        {
            "contact_form": contact_form,
            "preferences_form": preferences_form,
            "pending": pending,
            "tab": "details",
        },
    )


@portal_view
def message_history(request: HttpRequest) -> HttpResponse:
    sent = (
        Message.objects.filter(customer=request.portal.customer, status=Message.Status.SENT)
        .only("channel", "subject", "body", "sent_at", "recipient", "customer_id")
        .order_by("-sent_at", "-id")[:50]
    )
    return page(request, "portal/messages.html", {"sent": sent, "tab": "messages"})


@portal_view
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    chosen = request.POST.get("language", "")
    target = request.POST.get("next", "")
    prefix = reverse("portal:home", args=[request.portal.raw])
    if not (target.startswith(prefix) and url_has_allowed_host_and_scheme(target, allowed_hosts=None)):
        target = prefix
    response = redirect(target)
    if chosen in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, chosen, samesite="Lax", httponly=True, max_age=365 * 86400)
    return response


# --- staff: the 360 panel's actions ------------------------------------------------


@role_required(*LEDGER_WRITERS)
@require_POST
def staff_new_link(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    link = services.make_link(customer=customer, by=request.user)
    return render(request, "portal/staff_link.html", {"customer": customer, "link": link})


@role_required(*LEDGER_WRITERS)
@require_POST
def staff_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    count = services.revoke_links(customer=customer, by=request.user)
    messages.success(request, _("%(count)s portal link(s) revoked.") % {"count": count})
    return redirect(customer.get_absolute_url())


@role_required(*LEDGER_WRITERS)
@require_POST
def staff_change_decide(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(ChangeRequest, pk=pk)
    try:
        if request.POST.get("decision") == "apply":
            services.apply_change_request(request=change, by=request.user)
            messages.success(request, _("The corrections are applied."))
        else:
            services.reject_change_request(request=change, by=request.user)
            messages.success(request, _("The corrections were not applied."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(change.customer.get_absolute_url())


@role_required(*LEDGER_READERS)
def staff_remittance(request: HttpRequest, pk: int) -> HttpResponse:
    advice = get_object_or_404(RemittanceAdvice, pk=pk)
    return FileResponse(
        advice.file.open("rb"), content_type=advice.content_type, filename=advice.original_name
    )
