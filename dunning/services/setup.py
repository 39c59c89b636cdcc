"""Managers' changes to procedures, steps, templates and rules; starting the workflow."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from creditmgmt.models import User
from dunning.models import AssignmentRule, Procedure, Step, Template
from dunning.rendering import check_template

STEP_FIELDS = {
    "name",
    "offset_days",
    "action",
    "template_key",
    "requires_approval",
    "charge_costs",
    "charge_interest",
    "position",
}


def save_procedure(*, by: User, procedure: Procedure | None = None, **fields: Any) -> Procedure:
    with transaction.atomic():
        if procedure is not None:
            procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
        else:
            procedure = Procedure()
        for field, value in fields.items():
            setattr(procedure, field, value)
        procedure.full_clean()
        procedure.save()
    return procedure


def save_step(*, by: User, procedure: Procedure, step: Step | None = None, **fields: Any) -> Step:
    unknown = set(fields) - STEP_FIELDS
    if unknown:
        raise TypeError(f"Unknown step fields: {sorted(unknown)}")
    with transaction.atomic():
        Procedure.objects.select_for_update().get(pk=procedure.pk)
        if step is None:
            step = Step(procedure=procedure)
            if "position" not in fields:
                last = procedure.steps.aggregate(last=Max("position"))["last"] or 0
                step.position = last + 1
        else:
            step = Step.objects.select_for_update().get(pk=step.pk, procedure=procedure)
        for field, value in fields.items():
            setattr(step, field, value)
        if step.channel is not None and not step.template_key:
            raise ValidationError(_("A step that sends a message needs a template."))
        if step.template_key and not Template.objects.current().filter(key=step.template_key).exists():
            raise ValidationError(_("There is no template %(key)s yet.") % {"key": step.template_key})
        step.full_clean()
        others = procedure.steps.exclude(pk=step.pk)
        previous = others.filter(position__lt=step.position).order_by("-position").first()
        following = others.filter(position__gt=step.position).order_by("position").first()
        if (previous and previous.offset_days > step.offset_days) or (
            following and following.offset_days < step.offset_days
        ):
            raise ValidationError(_("Steps must be in the order of their days after the due date."))
        step.save()
    return step


def save_template(
    *, key: str, channel: str, language: str, subject: str, body: str, by: User, variant: str = "A"
) -> Template:
    """Save a new version of the text; the previous one is kept, no longer current."""
    check_template(subject=subject, body=body)
    with transaction.atomic():
        versions = Template.objects.select_for_update().filter(
            key=key, channel=channel, language=language, variant=variant
        )
        current = next((t for t in versions if t.is_current), None)
        if current is not None and current.subject == subject and current.body == body:
            return current
        last = max((t.version for t in versions), default=0)
        versions.filter(is_current=True).update(is_current=False)
        template = Template(
            key=key,
            channel=channel,
            language=language,
            variant=variant,
            version=last + 1,
            subject=subject,
            body=body,
            is_current=True,
            created_by=by,
        )
        template.full_clean()
        template.save()
    return template


def next_variant_label(labels: set[str]) -> str:
    """B after A, C after B …; past Z, a number."""
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if letter not in labels:
            return letter
    return str(len(labels) + 1)


def add_variant(*, template: Template, by: User) -> Template:
    """A new variant of the text, starting as a copy of this one; customers are spread over all."""
    with transaction.atomic():
        siblings = Template.objects.select_for_update().filter(
            key=template.key, channel=template.channel, language=template.language
        )
        label = next_variant_label({t.variant for t in siblings})
        variant = Template(
            key=template.key,
            channel=template.channel,
            language=template.language,
            variant=label,
            version=1,
            subject=template.subject,
            body=template.body,
            is_current=True,
            created_by=by,
        )
        variant.full_clean()
        variant.save()
    return variant


def retire_variant(*, template: Template) -> None:
    """No customer gets this variant any more; its versions stay (saving a new one brings it back)."""
    with transaction.atomic():
        siblings = Template.objects.select_for_update().filter(
            key=template.key, channel=template.channel, language=template.language, is_current=True
        )
        if not any(t.variant != template.variant for t in siblings):
            raise ValidationError(_("This is the only variant of the text; it cannot be retired."))
        siblings.filter(variant=template.variant).update(is_current=False)


def save_rule(*, by: User, rule: AssignmentRule | None = None, **fields: Any) -> AssignmentRule:
    with transaction.atomic():
        rule = AssignmentRule.objects.select_for_update().get(pk=rule.pk) if rule else AssignmentRule()
        for field, value in fields.items():
            setattr(rule, field, value)
        rule.full_clean()
        rule.save()
    return rule


def start_workflow(*, by: User, day: str | None = None) -> None:
    """Queue the daily workflow (the worker runs it); the run page shows its progress."""
    from django_q.tasks import async_task

    transaction.on_commit(
        lambda: async_task(
            "creditmgmt.daily.run_daily", day, f"user: {by.username}", task_name="daily workflow (manual)"
        )
    )
