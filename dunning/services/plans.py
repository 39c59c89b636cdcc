"""Payment plans: installments over invoices' open amount, a policy that approves the easy ones,
a manager for the rest, and the daily watch (paid, missed, broken, completed).

Policy (settings; docs/dunning.md "Payment plans"): a plan is approved at once when
- its last installment is due within PLAN_MAX_MONTHS months of today,
- its amount is at most PLAN_MAX_AMOUNT (company currency; another currency is converted at the
  stored exchange rate, and without a rate a manager decides),
- the customer's risk class is not high (or very high),
- the customer had no broken plan in the last 12 months,
- the first installment is due within 30 days.
Everything else waits for a manager (an approval task).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import ZERO, Contact, Customer, Event, Invoice, Task
from accounts.queries import in_company_currency
from accounts.services import Actor, complete_task, create_task, lock_customer, money, record_event
from creditmgmt import texts
from creditmgmt.models import Role, User
from creditmgmt.templatetags.money import money as format_money
from creditmgmt.texts import Text
from dunning.compose import current_templates, find_template
from dunning.models import AgreementChannel, Channel, Installment, Message, PaymentPlan, Promise
from dunning.rendering import build_context, email_contact, postal_address, primary_contact, render_text
from dunning.services.promises import SYSTEM, actor_columns, checked_invoices

CENT = Decimal("0.01")
FIRST_WITHIN_DAYS = 30
REMINDER_TEMPLATE = "plan-installment-missed"
Schedule = Sequence[tuple[date, Decimal]]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def max_amount() -> Decimal:
    return Decimal(str(settings.PLAN_MAX_AMOUNT))


# --- proposing and checking ----------------------------------------------------


def suggest_installments(
    *, invoices: Sequence[Invoice], count: int, first_date: date
) -> list[tuple[date, Decimal]]:
    """Equal monthly installments over the invoices' open amount; the cents left over on the last."""
    if count < 1:
        raise ValidationError(_("A plan has at least one installment."))
    total = sum((i.open_amount for i in invoices), ZERO)
    if total <= 0:
        raise ValidationError(_("Nothing is open on these invoices."))
    each = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    if each <= 0:
        raise ValidationError(_("Too many installments for this amount."))
    amounts = [each] * (count - 1) + [total - each * (count - 1)]
    return [(add_months(first_date, n), amount) for n, amount in enumerate(amounts)]


@dataclass(frozen=True)
class PlanCheck:
    auto_approved: bool
    reasons: list[str]  # in the active language
    details: list[dict] = field(default_factory=list)  # the same reasons as codes, kept on the plan


def describe(reason: dict) -> str:
    """One policy reason in the active language."""
    code = reason["code"]
    if code == "too_long":
        return _("The plan runs longer than %(months)s months (last installment %(date)s).") % reason
    if code == "too_much" and reason["currency"] != reason["limit_currency"] and "converted" in reason:
        return _("The amount %(amount)s (%(converted)s) is more than %(limit)s.") % {
            "amount": format_money(reason["amount"], reason["currency"]),
            "converted": format_money(reason["converted"], reason["limit_currency"]),
            "limit": format_money(reason["limit"], reason["limit_currency"]),
        }
    if code == "no_rate":
        return (
            _(
                "No exchange rate from %(currency)s to %(company_currency)s is stored: the amount cannot be "
                "compared with the limit."
            )
            % reason
        )
    if code == "too_much":
        return _("The amount %(amount)s is more than %(limit)s.") % {
            "amount": format_money(reason["amount"], reason["currency"]),
            "limit": format_money(reason["limit"], reason["limit_currency"]),
        }
    if code == "risk":
        return _("The customer's risk class is %(risk)s.") % {
            "risk": Customer.RiskClass(reason["risk"]).label
        }
    if code == "broken_before":
        return _("A payment plan of this customer was broken in the last 12 months (%(date)s).") % reason
    if code == "first_late":
        return _("The first installment is more than %(days)s days away.") % reason
    return code


def validate_installments(installments: Schedule, *, today: date) -> list[tuple[date, Decimal]]:
    """Dates in order and not in the past, amounts more than zero with cents at most."""
    if not installments:
        raise ValidationError(_("A plan has at least one installment."))
    rows = []
    previous = None
    for n, (due, amount) in enumerate(installments, start=1):
        if due is None or amount is None:
            raise ValidationError(_("Installment %(n)s needs a date and an amount.") % {"n": n})
        amount = money(amount)
        if amount <= 0:
            raise ValidationError(_("Installment %(n)s must be more than zero.") % {"n": n})
        if due < today:
            raise ValidationError(_("Installment %(n)s is due in the past.") % {"n": n})
        if previous is not None and due <= previous:
            raise ValidationError(_("Installment %(n)s must be due after the one before.") % {"n": n})
        previous = due
        rows.append((due, amount))
    return rows


def check_plan(*, customer: Customer, installments: Schedule, today: date) -> PlanCheck:
    """Would the policy approve this plan at once? No writes; one query (two in another currency).

    Raises ValidationError for a schedule that is wrong whatever the policy (no installments,
    a date in the past, dates out of order, an amount of zero or less or with more than cents)."""
    rows = validate_installments(installments, today=today)
    total = sum((a for _, a in rows), ZERO)
    details: list[dict] = []
    months = settings.PLAN_MAX_MONTHS
    last = rows[-1][0]
    if last > add_months(today, months):
        details.append({"code": "too_long", "months": months, "date": last.isoformat()})
    # The limit is in the company currency: a plan in another currency is compared at the
    # stored exchange rate; without a rate it cannot be judged, so a manager decides.
    company_currency = settings.COMPANY["currency"]
    converted = in_company_currency(total, customer.currency, on=today)
    if converted is None:
        details.append(
            {"code": "no_rate", "currency": customer.currency, "company_currency": company_currency}
        )
    elif converted > max_amount():
        details.append(
            {
                "code": "too_much",
                "amount": str(total),
                "currency": customer.currency,
                "converted": str(converted),
                "limit": str(max_amount()),
                "limit_currency": company_currency,
            }
        )
    if customer.risk_class in (Customer.RiskClass.HIGH, Customer.RiskClass.VERY_HIGH):
        details.append({"code": "risk", "risk": customer.risk_class})
    broken = (
        PaymentPlan.objects.filter(
            customer=customer, status=PaymentPlan.Status.BROKEN, ended_on__gt=today - timedelta(days=365)
        )
        .order_by("-ended_on")
        .values_list("ended_on", flat=True)
        .first()
    )
    if broken:
        details.append({"code": "broken_before", "date": broken.isoformat()})
    if rows[0][0] > today + timedelta(days=FIRST_WITHIN_DAYS):
        details.append({"code": "first_late", "days": FIRST_WITHIN_DAYS})
    return PlanCheck(auto_approved=not details, reasons=[describe(d) for d in details], details=details)


def approver() -> User | None:
    """Who gets the approval task: the first active manager, else an admin."""
    for role in (Role.MANAGER, Role.ADMIN):
        user = User.objects.filter(is_active=True, role=role).order_by("pk").first()
        if user is not None:
            return user
    return None


def request_plan(
    *,
    customer: Customer,
    invoices: Sequence[Invoice],
    installments: Schedule,
    by: Actor,
    channel: str,
    note: str = "",
) -> PaymentPlan:
    """A plan over the invoices' whole open amount: active at once when the policy allows, else
    waiting for a manager (an approval task). Its invoices are out of dunning either way."""
    today = timezone.localdate()
    if channel not in AgreementChannel.values:
        raise ValidationError(_("Choose how the plan was asked for."))
    rows = validate_installments(installments, today=today)
    with transaction.atomic():
        lock_customer(customer.pk)
        customer = Customer.objects.get(pk=customer.pk)
        chosen = checked_invoices(customer=customer, invoices=invoices)
        taken = set(
            PaymentPlan.objects.pausing()
            .filter(invoices__in=chosen)
            .values_list("invoices__number", flat=True)
        ) & {i.number for i in chosen}
        if taken:
            raise ValidationError(
                _("Invoice %(numbers)s is already in a payment plan.") % {"numbers": ", ".join(sorted(taken))}
            )
        if len({i.currency for i in chosen}) > 1:
            raise ValidationError(_("The invoices are in different currencies; make one plan per currency."))
        currency = chosen[0].currency
        total = sum((i.open_amount for i in chosen), ZERO)
        planned = sum((a for _, a in rows), ZERO)
        if planned != total:
            raise ValidationError(
                _("The installments add up to %(planned)s, but %(total)s is open on the invoices.")
                % {"planned": format_money(planned, currency), "total": format_money(total, currency)}
            )
        check = check_plan(customer=customer, installments=rows, today=today)
        plan = PaymentPlan.objects.create(
            customer=customer,
            amount=total,
            currency=currency,
            status=PaymentPlan.Status.ACTIVE if check.auto_approved else PaymentPlan.Status.REQUESTED,
            auto_approved=check.auto_approved,
            check_reasons=check.details,
            channel=channel,
            note=note.strip()[:500],
            decided_at=timezone.now() if check.auto_approved else None,
            **actor_columns(by),
        )
        plan.invoices.set(chosen)
        Installment.objects.bulk_create(
            Installment(plan=plan, sequence=n, due_date=due, amount=amount)
            for n, (due, amount) in enumerate(rows, start=1)
        )
        words = {
            "amount": texts.money(total, currency),
            "n": len(rows),
            "first": rows[0][0],
            "last": rows[-1][0],
            "invoices": ", ".join(i.number for i in chosen),
        }
        # A plan replaces open promises on the same invoices.
        for promise in Promise.objects.open().filter(invoices__in=chosen).distinct():
            promise.status = Promise.Status.CANCELLED
            promise.checked_at = timezone.now()
            promise.save(update_fields=["status", "checked_at"])
            record_event(
                customer=customer,
                kind=Event.Kind.PROMISE,
                verb="cancelled",
                summary=Text(
                    gettext_noop("Promise to pay of %(date)s replaced by a payment plan"),
                    date=promise.promised_date,
                ),
                by=by,
                target=promise,
            )
        if check.auto_approved:
            summary = gettext_noop(
                "Payment plan of %(amount)s in %(n)s installments (%(first)s to %(last)s) "
                "for %(invoices)s: approved by the policy"
            )
        else:
            summary = gettext_noop(
                "Payment plan of %(amount)s in %(n)s installments (%(first)s to %(last)s) "
                "for %(invoices)s asked: waits for a manager"
            )
        record_event(
            customer=customer,
            kind=Event.Kind.PROMISE,
            verb="plan_active" if check.auto_approved else "plan_requested",
            summary=Text(summary, **words),
            by=by,
            target=plan,
            data={"reasons": check.details},
        )
        if not check.auto_approved:
            task = create_task(
                customer=customer,
                title=Text(gettext_noop("Approve a payment plan: %(amount)s in %(n)s installments"), **words),
                due_date=today,
                kind=Task.Kind.APPROVAL,
                assignee=approver(),
                priority=Task.Priority.HIGH,
                by=by,
            )
            plan.approval_task = task
            plan.save(update_fields=["approval_task"])
    return plan


def _decide(*, plan: PaymentPlan, by: Actor, approve: bool, note: str) -> PaymentPlan:
    if not (isinstance(by, User) and by.has_role(Role.ADMIN, Role.MANAGER)):
        raise ValidationError(_("Only a manager decides on a payment plan."))
    if not approve and not note.strip():
        raise ValidationError(_("Say why the plan is rejected."))
    with transaction.atomic():
        lock_customer(plan.customer_id)
        plan = (
            PaymentPlan.objects.select_for_update(of=("self",))
            .select_related("customer", "approval_task")
            .get(pk=plan.pk)
        )
        if plan.status != PaymentPlan.Status.REQUESTED:
            raise ValidationError(_("This plan is not waiting for approval."))
        plan.status = PaymentPlan.Status.ACTIVE if approve else PaymentPlan.Status.REJECTED
        plan.approved_by = by
        plan.decided_at = timezone.now()
        plan.decision_note = note.strip()[:500]
        if not approve:
            plan.ended_on = timezone.localdate()
        plan.save(update_fields=["status", "approved_by", "decided_at", "decision_note", "ended_on"])
        words = {"amount": format_money(plan.amount, plan.currency), "note": plan.decision_note}
        if approve:
            decided = (
                gettext_noop("Payment plan of %(amount)s approved: %(note)s")
                if plan.decision_note
                else gettext_noop("Payment plan of %(amount)s approved")
            )
        else:
            decided = (
                gettext_noop("Payment plan of %(amount)s rejected; dunning resumes: %(note)s")
                if plan.decision_note
                else gettext_noop("Payment plan of %(amount)s rejected; dunning resumes")
            )
        summary = Text(decided, amount=texts.money(plan.amount, plan.currency), note=plan.decision_note)
        record_event(
            customer=plan.customer,
            kind=Event.Kind.PROMISE,
            verb="plan_approved" if approve else "plan_rejected",
            summary=summary,
            by=by,
            target=plan,
        )
        task = plan.approval_task
        if task is not None and task.status == Task.Status.OPEN:
            complete_task(
                task=task,
                outcome=Task.Outcome.RESOLVED,
                note=_("Approved") if approve else _("Rejected: %(note)s") % words,
                by=by,
            )
    return plan


def approve_plan(*, plan: PaymentPlan, by: Actor, note: str = "") -> PaymentPlan:
    return _decide(plan=plan, by=by, approve=True, note=note)


def reject_plan(*, plan: PaymentPlan, by: Actor, note: str) -> PaymentPlan:
    return _decide(plan=plan, by=by, approve=False, note=note)


# --- the daily watch -------------------------------------------------------------


def spread(paid: Decimal, installments: Sequence[Installment]) -> list[Decimal]:
    """What is paid on the plan's invoices goes to the installments in order."""
    result = []
    for installment in installments:
        part = min(installment.amount, max(paid, ZERO))
        result.append(part)
        paid -= part
    return result


def check_plans(*, today: date) -> dict:
    """Follow payments on active plans: installments paid in order, misses reminded, a second miss
    (or a miss still unpaid PLAN_BREAK_AFTER_DAYS later) breaks the plan, a paid plan completes.

    One query reads the active plans with their open amount now, one their installments; only
    plans that change are written, each in its own transaction. Safe to run twice a day."""
    counts = {"completed": 0, "missed": 0, "broken": 0, "paid_changed": 0}
    grace = timedelta(days=settings.PLAN_GRACE_DAYS)
    break_after = timedelta(days=settings.PLAN_BREAK_AFTER_DAYS)
    plans = {
        p.pk: p
        for p in PaymentPlan.objects.filter(status=PaymentPlan.Status.ACTIVE).annotate(
            open_now=Sum("invoices__open_amount", filter=Q(invoices__status=Invoice.Status.OPEN))
        )
    }
    by_plan: dict[int, list[Installment]] = {}
    for installment in Installment.objects.filter(plan__in=list(plans)).order_by("plan_id", "sequence"):
        by_plan.setdefault(installment.plan_id, []).append(installment)
    templates = None
    for pk, plan in plans.items():
        installments = by_plan.get(pk, [])
        paid = max(plan.amount - (plan.open_now or ZERO), ZERO)
        parts = spread(paid, installments)
        fully_paid = paid >= plan.amount
        newly_missed = [
            i
            for i, part in zip(installments, parts, strict=True)
            if i.missed_on is None and part < i.amount and i.due_date + grace < today
        ]
        misses = sum(1 for i in installments if i.missed_on is not None) + len(newly_missed)
        stale = any(
            i.missed_on is not None and part < i.amount and i.missed_on + break_after <= today
            for i, part in zip(installments, parts, strict=True)
        )
        changed = paid != plan.paid_amount or any(
            part != i.paid_amount for i, part in zip(installments, parts, strict=True)
        )
        if not (changed or fully_paid or newly_missed or stale):
            continue
        if templates is None and newly_missed:
            templates = current_templates()
        with transaction.atomic():
            lock_customer(plan.customer_id)
            locked = PaymentPlan.objects.select_for_update(of=("self",)).select_related("customer").get(pk=pk)
            if locked.status != PaymentPlan.Status.ACTIVE:
                continue
            counts["paid_changed"] += int(changed)
            _store_payments(locked, installments, parts, paid)
            if fully_paid:
                _end(locked, PaymentPlan.Status.COMPLETED, today=today)
                counts["completed"] += 1
                continue
            for installment in newly_missed:
                installment.status = Installment.Status.MISSED
                installment.missed_on = today
                installment.save(update_fields=["status", "missed_on"])
            counts["missed"] += len(newly_missed)
            if misses >= 2 or stale:
                _end(locked, PaymentPlan.Status.BROKEN, today=today, second=misses >= 2)
                counts["broken"] += 1
            elif newly_missed:
                _remind(locked, newly_missed[0], today=today, templates=templates or {})
    return counts


def _store_payments(plan: PaymentPlan, installments, parts, paid: Decimal) -> None:
    for installment, part in zip(installments, parts, strict=True):
        status = installment.status
        if part >= installment.amount:
            status = Installment.Status.PAID
        elif status == Installment.Status.PAID:
            status = Installment.Status.MISSED if installment.missed_on else Installment.Status.OPEN
        if (part, status) != (installment.paid_amount, installment.status):
            installment.paid_amount, installment.status = part, status
            installment.save(update_fields=["paid_amount", "status"])
    if plan.paid_amount != paid:
        plan.paid_amount = paid
        plan.save(update_fields=["paid_amount"])


def _end(plan: PaymentPlan, status: str, *, today: date, second: bool = False) -> None:
    plan.status = status
    plan.ended_on = today
    plan.save(update_fields=["status", "ended_on"])
    words = {
        "amount": texts.money(plan.amount, plan.currency),
        "left": texts.money(plan.amount - plan.paid_amount, plan.currency),
    }
    if status == PaymentPlan.Status.COMPLETED:
        record_event(
            customer=plan.customer,
            kind=Event.Kind.PROMISE,
            verb="plan_completed",
            summary=Text(gettext_noop("Payment plan of %(amount)s paid in full"), **words),
            by=SYSTEM,
            target=plan,
        )
        return
    broken = (
        gettext_noop(
            "Payment plan of %(amount)s broken (a second installment was missed); dunning resumes on %(left)s"
        )
        if second
        else gettext_noop(
            "Payment plan of %(amount)s broken (a missed installment stayed unpaid); "
            "dunning resumes on %(left)s"
        )
    )
    summary = Text(broken, **words)
    record_event(
        customer=plan.customer,
        kind=Event.Kind.PROMISE,
        verb="plan_broken",
        summary=summary,
        by=SYSTEM,
        target=plan,
    )
    create_task(
        customer=plan.customer,
        title=summary,
        due_date=today,
        kind=Task.Kind.CALL,
        priority=Task.Priority.HIGH,
        by=SYSTEM,
    )


def _remind(plan: PaymentPlan, installment: Installment, *, today: date, templates) -> Message:
    """The reminder for a missed installment (through the outbox) and a task for the controller."""
    customer = plan.customer
    contacts = list(Contact.objects.filter(customer=customer))
    contact = email_contact(contacts)
    channel = Channel.EMAIL
    if contact is None or (
        (first := primary_contact(contacts)) is not None and first.preferred_channel == Contact.Channel.LETTER
    ):
        channel, contact = Channel.LETTER, primary_contact(contacts)
    language = (contact.language if contact and contact.language else "") or customer.language
    template = find_template(templates, REMINDER_TEMPLATE, channel, language)
    invoices = list(
        plan.invoices.filter(status=Invoice.Status.OPEN, open_amount__gt=0).order_by("due_date", "id")
    )
    context = build_context(customer=customer, contact=contact, invoices=invoices, today=today)
    context["installment"] = {
        "sequence": installment.sequence,
        "due_date": installment.due_date,
        "amount": installment.amount,
        "left": installment.amount - installment.paid_amount,
    }
    rendered = render_text(
        subject=template.subject, body=template.body, context=context, language=template.language
    )
    recipient = (
        contact.email
        if channel == Channel.EMAIL
        else postal_address(customer, contact=contact, language=template.language)
    )
    message, created = Message.objects.get_or_create(
        idempotency_key=f"plan:{plan.pk}:installment:{installment.sequence}:missed",
        defaults={
            "customer": customer,
            "channel": channel,
            "language": template.language,
            "recipient": recipient,
            "subject": rendered.subject,
            "body": rendered.body,
            "template_version": template.version,
        },
    )
    if created:
        words = {
            "n": installment.sequence,
            "left": texts.money(installment.amount - installment.paid_amount, plan.currency),
            "date": installment.due_date,
        }
        record_event(
            customer=customer,
            kind=Event.Kind.PROMISE,
            verb="installment_missed",
            summary=Text(
                gettext_noop(
                    "Installment %(n)s of the payment plan missed (%(left)s due %(date)s): reminder queued"
                ),
                **words,
            ),
            by=SYSTEM,
            target=plan,
        )
        create_task(
            customer=customer,
            title=Text(
                gettext_noop("Installment %(n)s of the payment plan missed: %(left)s due %(date)s"), **words
            ),
            due_date=today,
            kind=Task.Kind.PAYMENT,
            by=SYSTEM,
        )
    return message
