"""Daily step: create the due actions, chunk by chunk, each chunk in one transaction.

In one transaction per chunk: the customers' states are locked and checked,
the actions are inserted (unique per customer, step and cycle), automatic
steps put their messages in the outbox, manual steps become tasks, delivery
blocks are set, and the states move on. A crash loses at most the chunk in
progress, and running again picks up exactly what is still due.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import ZERO, Contact, Customer, Invoice, Task
from accounts.services import close_tasks, create_task, set_delivery_block
from creditmgmt.texts import Text
from dunning import parallel
from dunning.assignees import pick_assignee
from dunning.casefile import write_case_file
from dunning.compose import TemplateIndex, compose_message, current_templates, step_template
from dunning.costs import statutory_interest, wik_costs
from dunning.models import Action, CustomerDunning, DunningAction, InterestRate, Message, Step
from dunning.portal.links import collect_tokens
from dunning.scoring import score_case
from dunning.selection import dunnable_invoices, listed_due_before
from dunning.workflow.plan import Due

ACTOR = "system: daily run"
CHUNK = 250

TASK_KIND = {
    Action.CALL: Task.Kind.CALL,
    Action.TASK: Task.Kind.REVIEW,
    Action.HAND_OVER: Task.Kind.FOLLOW_UP,
}


def interest_table() -> list[tuple[date, Decimal]]:
    return list(InterestRate.objects.values_list("valid_from", "rate"))


def charges(step: Step, invoices: Sequence[Invoice], today: date, rates) -> tuple[Decimal, Decimal]:
    principal = sum((i.open_amount for i in invoices), ZERO)
    costs = wik_costs(principal) if step.charge_costs else ZERO
    interest = ZERO
    if step.charge_interest:
        interest = sum(
            (
                statutory_interest(i.open_amount, due_date=i.due_date, until=today, rates=rates)
                for i in invoices
            ),
            ZERO,
        )
    return costs, interest


def create_actions(*, today: date, due: list[Due], steps: dict[int, Step]) -> dict:
    counts: dict[str, int] = defaultdict(int)
    templates = current_templates()
    rates = interest_table()

    def run(chunk) -> dict[str, int]:
        chunk_counts: dict[str, int] = defaultdict(int)
        _run_chunk(
            chunk,
            today=today,
            steps=steps,
            templates=templates,
            rates=rates,
            counts=chunk_counts,
        )
        return dict(chunk_counts)

    # The chunks are independent transactions over different customers: with
    # DUNNING_PROCESSES > 1 forked workers take them side by side (see dunning.parallel).
    chunks = [due[start : start + CHUNK] for start in range(0, len(due), CHUNK)]
    for chunk_counts in parallel.run_parts(run, chunks):
        for key, value in chunk_counts.items():
            counts[key] += value
    return dict(counts)


def _run_chunk(chunk, *, today, steps, templates: TemplateIndex, rates, counts) -> None:
    ids = [d.customer_id for d in chunk]
    with transaction.atomic(), collect_tokens() as portal_tokens:  # one INSERT for the chunk's links
        states = {s.pk: s for s in CustomerDunning.objects.select_for_update().filter(pk__in=ids)}
        customers = Customer.objects.select_related("controller").in_bulk(ids)
        contacts: dict[int, list[Contact]] = defaultdict(list)
        for contact in Contact.objects.filter(customer_id__in=ids):
            contacts[contact.customer_id].append(contact)
        invoices: dict[int, list[Invoice]] = defaultdict(list)
        for invoice in dunnable_invoices(today).filter(customer_id__in=ids).order_by("due_date", "id"):
            invoice.open_amount = invoice.dunning_amount  # listed with its undisputed rest (not saved)
            invoices[invoice.customer_id].append(invoice)

        planned = []
        for d in chunk:
            state = states.get(d.customer_id)
            if state is None or (state.stage, state.cycle, state.procedure_id) != (
                d.stage_before,
                d.cycle,
                d.procedure_id,
            ):
                counts["changed meanwhile"] += 1
                continue
            step = steps[d.step_id]
            customer = customers[d.customer_id]
            cutoff = listed_due_before(step.offset_days, today)
            listed = [i for i in invoices[d.customer_id] if i.due_date <= cutoff]
            if not listed:
                counts["nothing listed"] += 1
                continue
            costs, interest = charges(step, listed, today, rates)
            amount = sum((i.open_amount for i in listed), ZERO)
            with translation.override(_assignee_language(customer)):
                score = score_case(
                    amount=amount,
                    currency=customer.currency,
                    days_overdue=d.days_overdue,
                    risk_class=customer.risk_class,
                    segment=customer.segment,
                    stage=step.position,
                )
            if step.requires_approval:
                status = DunningAction.Status.WAITING
            elif step.is_automatic:
                status = DunningAction.Status.DONE
            else:
                status = DunningAction.Status.TASK
            action = DunningAction(
                customer=customer,
                procedure_id=d.procedure_id,
                step=step,
                cycle=d.cycle,
                date=today,
                status=status,
                invoice_ids=[i.pk for i in listed],
                amount=amount,
                currency=customer.currency,
                days_overdue=d.days_overdue,
                costs=costs,
                interest=interest,
                score=score.points,
                risk_class=customer.risk_class,
            )
            routing = None
            if step.channel is not None and not step.requires_approval:
                # Picked once: the message below uses it, and the variant is recorded with the action
                # so the cure rate can be split by variant (approval picks and sets it later).
                routing = step_template(customer, step, contacts[customer.pk], templates)
                action.template_variant = routing.template.variant
            planned.append((action, step, customer, listed, score, state, routing))
        if superseded := _supersede_earlier_tasks(planned):
            counts["superseded"] += superseded
        DunningAction.objects.bulk_create([p[0] for p in planned])

        messages: list[Message] = []
        for action, step, customer, listed, score, state, routing in planned:
            counts[f"{step.action}{' (approval)' if step.requires_approval else ''}"] += 1
            state.stage = step.position
            if step.is_contact and not step.requires_approval and step.action != Action.CALL:
                state.last_contact_date = today
            if step.requires_approval:
                _make_task(action, step, customer, score, kind=Task.Kind.APPROVAL, today=today, approval=True)
            elif routing is not None:
                message = compose_message(
                    customer=customer,
                    step=step,
                    cycle=action.cycle,
                    routing=routing,
                    invoices=listed,
                    today=today,
                    costs=action.costs,
                    interest=action.interest,
                )
                message.action = action
                messages.append(message)
            elif step.action == Action.DELIVERY_BLOCK:
                set_delivery_block(
                    customer=customer,
                    blocked=True,
                    reason=Text(
                        gettext_noop("Dunning: %(step)s, %(why)s"), step=Text(step.name), why=score.text
                    ),
                    by=ACTOR,
                )
            else:
                if step.action == Action.HAND_OVER:
                    action.case_file = write_case_file(
                        customer=customer,
                        invoices=listed,
                        today=today,
                        costs=action.costs,
                        interest=action.interest,
                    )
                _make_task(
                    action,
                    step,
                    customer,
                    score,
                    kind=TASK_KIND.get(step.action, Task.Kind.FOLLOW_UP),
                    today=today,
                )
        Message.objects.bulk_create(messages)
        portal_tokens.save(messages)
        _save_states([p[5] for p in planned])
        counts["messages"] += len(messages)


def _supersede_earlier_tasks(planned) -> int:
    """The procedure moves on: open tasks of the customers' earlier steps (a call nobody made) close.

    The new step's own action or task takes over; the old one says why it closed. One query for
    the chunk, plus the closing (one UPDATE per next step's name)."""
    next_step = {customer.pk: step.name for _action, step, customer, *_rest in planned}
    earlier = DunningAction.objects.filter(
        customer_id__in=list(next_step), status=DunningAction.Status.TASK, task__status=Task.Status.OPEN
    ).values_list("task_id", "customer_id", "step__name")
    reasons = {
        task_id: _("Superseded: the procedure moved on from %(old)s to %(new)s.")
        % {"old": old, "new": next_step[customer_id]}
        for task_id, customer_id, old in earlier
    }
    return close_tasks(reasons=reasons, by=ACTOR)


def _save_states(states: list[CustomerDunning]) -> None:
    """One UPDATE per (stage, last contact) pair: a handful per chunk, not one per customer."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for state in states:
        groups[(state.stage, state.last_contact_date)].append(state.pk)
    for (stage, last_contact), pks in groups.items():
        CustomerDunning.objects.filter(pk__in=pks).update(stage=stage, last_contact_date=last_contact)


def _assignee_language(customer: Customer) -> str:
    controller = customer.controller
    return (controller.language if controller and controller.language else "") or settings.LANGUAGE_CODE


def _make_task(action, step, customer, score, *, kind, today, approval=False) -> Task:
    title = Text(
        gettext_noop("Approve: %(step)s — %(explanation)s")
        if approval
        else gettext_noop("%(step)s — %(explanation)s"),
        step=Text(step.name),  # shipped step names are translated at display
        explanation=score.text,
    )
    with translation.override(_assignee_language(customer)):  # the stored text: in the assignee's words
        task = create_task(
            customer=customer,
            title=title,
            due_date=today,
            by=ACTOR,
            kind=kind,
            assignee=pick_assignee(customer, today=today),
            priority=score.priority,
        )
    action.task = task
    action.save(update_fields=["task", "case_file"])
    return task
