"""Managers' pages: procedures and steps, templates with preview, assignment rules."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Contact, Customer
from creditmgmt.fields import as_id
from creditmgmt.permissions import MANAGERS, role_required
from dunning import services
from dunning.forms import NewTemplateForm, ProcedureForm, RuleForm, StepForm, TemplateForm
from dunning.models import AssignmentRule, Procedure, Step, Template
from dunning.portal.links import sample_links
from dunning.rendering import build_context, email_contact, primary_contact, render_text
from dunning.selection import dunnable_invoices


@role_required(*MANAGERS)
def procedure_list(request: HttpRequest) -> HttpResponse:
    procedures = Procedure.objects.annotate(
        customer_count=Count("customers", distinct=True),
        step_count=Count("steps", distinct=True),
    ).order_by("name")
    rules = AssignmentRule.objects.select_related("procedure").order_by("position", "id")
    return render(request, "dunning/procedure_list.html", {"procedures": procedures, "rules": rules})


@role_required(*MANAGERS)
def procedure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = get_object_or_404(Procedure, pk=pk)
    form = ProcedureForm(request.POST or None, instance=Procedure.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_procedure(procedure=procedure, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Procedure saved."))
            return redirect(procedure)
    steps = procedure.steps.order_by("position")
    return render(
        request,
        "dunning/procedure_detail.html",
        {"procedure": procedure, "form": form, "steps": steps, "new_step_form": StepForm()},
    )


@role_required(*MANAGERS)
def step_edit(request: HttpRequest, pk: int, step_pk: int | None = None) -> HttpResponse:
    procedure = get_object_or_404(Procedure, pk=pk)
    step = get_object_or_404(Step, pk=step_pk, procedure=procedure) if step_pk else None
    form = StepForm(request.POST or None, instance=Step.objects.get(pk=step.pk) if step else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_step(procedure=procedure, step=step, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Step saved."))
            return redirect(procedure)
    templates = (
        Template.objects.current().filter(key=step.template_key).order_by("channel", "language", "variant")
        if step
        else []
    )
    return render(
        request,
        "dunning/step_edit.html",
        {"procedure": procedure, "step": step, "form": form, "templates": templates},
    )


@role_required(*MANAGERS)
def template_list(request: HttpRequest) -> HttpResponse:
    templates = Template.objects.current().order_by("key", "channel", "language")
    form = NewTemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if Template.objects.filter(
            key=data["key"], channel=data["channel"], language=data["language"]
        ).exists():
            form.add_error("key", _("This template exists already; edit it instead."))
        else:
            try:
                template = services.save_template(by=request.user, **data)
            except ValidationError as exc:
                form.add_error("body", exc)
            else:
                messages.success(request, _("Template saved."))
                return redirect("dunning:template_edit", pk=template.pk)
    used_by = {}
    for step in Step.objects.exclude(template_key="").select_related("procedure"):
        used_by.setdefault(step.template_key, []).append(step)
    return render(
        request, "dunning/template_list.html", {"templates": templates, "used_by": used_by, "form": form}
    )


def _preview(template_subject: str, body: str, language: str, customer: Customer | None) -> dict:
    if customer is None:
        return {}
    today = timezone.localdate()
    contacts = list(Contact.objects.filter(customer=customer))
    open_invoices = dunnable_invoices(today).filter(customer=customer).order_by("due_date", "id")
    # What a reminder would list: the overdue invoices (or, when none is overdue yet, the open ones).
    invoices = list(open_invoices.filter(due_date__lt=today)[:50]) or list(open_invoices[:50])
    with sample_links():  # a preview shows a sample portal link and makes no token
        context = build_context(
            customer=customer,
            contact=email_contact(contacts) or primary_contact(contacts),
            invoices=invoices,
            today=today,
            step_name="(preview)",
        )
    try:
        rendered = render_text(subject=template_subject, body=body, context=context, language=language)
    except Exception as exc:  # noqa: BLE001 (show the template error to the editor)
        return {"preview_error": f"{type(exc).__name__}: {exc}"}
    return {"preview": rendered}


@role_required(*MANAGERS)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(Template, pk=pk)
    versions = Template.objects.filter(
        key=template.key, channel=template.channel, language=template.language, variant=template.variant
    ).select_related("created_by")
    variants = (
        Template.objects.current()
        .filter(key=template.key, channel=template.channel, language=template.language)
        .order_by("variant")
    )
    form = TemplateForm(request.POST or None, initial={"subject": template.subject, "body": template.body})
    customer = None
    customer_q = request.GET.get("customer", "") or request.POST.get("customer", "")
    if customer_q:
        customer = Customer.objects.filter(
            Q(number__iexact=customer_q) | Q(pk=as_id(customer_q) or 0)
        ).first()
    if customer is None:
        # A real customer to preview with: the one with the most overdue in the template's language.
        customer = (
            Customer.objects.filter(language=template.language, open_amount__gt=0)
            .order_by("-open_amount")
            .first()
            or Customer.objects.filter(open_amount__gt=0).order_by("-open_amount").first()
        )
    subject, body = template.subject, template.body
    if request.method == "POST" and form.is_valid():
        subject, body = form.cleaned_data["subject"], form.cleaned_data["body"]
        if "save" in request.POST:
            try:
                saved = services.save_template(
                    key=template.key,
                    channel=template.channel,
                    language=template.language,
                    variant=template.variant,
                    subject=subject,
                    body=body,
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error("body", exc)
            else:
                messages.success(request, _("Saved as version %(v)s.") % {"v": saved.version})
                return redirect("dunning:template_edit", pk=saved.pk)
    context = {
        "template": template,
        "versions": versions,
        "variants": variants,
        "form": form,
        "customer": customer,
        **_preview(subject, body, template.language, customer),
    }
    if request.htmx and request.htmx.target == "preview":
        return render(request, "dunning/template_edit.html#preview", context)
    return render(request, "dunning/template_edit.html", context)


@role_required(*MANAGERS)
@require_POST
def template_add_variant(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(Template, pk=pk)
    # Copy the variant's current text, also when the editor shows an old version.
    same = {"key": template.key, "channel": template.channel, "language": template.language}
    current = Template.objects.current().filter(**same, variant=template.variant).first()
    variant = services.add_variant(template=current or template, by=request.user)
    messages.success(
        request,
        _("Variant %(v)s added as a copy; customers are now spread over the variants.")
        % {"v": variant.variant},
    )
    return redirect("dunning:template_edit", pk=variant.pk)


@role_required(*MANAGERS)
@require_POST
def template_retire(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(Template, pk=pk)
    try:
        services.retire_variant(template=template)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("dunning:template_edit", pk=template.pk)
    done = _("Variant %(v)s retired; no customer gets it any more.") % {"v": template.variant}
    messages.success(request, done)
    other = (
        Template.objects.current()
        .filter(key=template.key, channel=template.channel, language=template.language)
        .order_by("variant")
        .first()
    )
    return redirect("dunning:template_edit", pk=other.pk)


@role_required(*MANAGERS)
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = get_object_or_404(AssignmentRule, pk=pk) if pk else None
    form = RuleForm(request.POST or None, instance=AssignmentRule.objects.get(pk=pk) if pk else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_rule(rule=rule, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Rule saved; it applies from the next run."))
            return redirect("dunning:procedure_list")
    return render(request, "dunning/rule_edit.html", {"rule": rule, "form": form})
