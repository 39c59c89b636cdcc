"""Turn a dunning action into an outbox message: channel, recipient, language, rendered text."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple

from django.core.exceptions import ImproperlyConfigured

from accounts.models import Contact, Customer, Invoice
from dunning.models import Channel, Message, Step, Template
from dunning.rendering import (
    build_context,
    choose_language,
    email_contact,
    postal_address,
    primary_contact,
    render_text,
)


class TemplateIndex(dict[tuple[str, str, str], Template]):
    """(key, channel, language) → the first variant's current text; .variants holds every active one."""

    def __init__(self, templates: Iterable[Template] = ()) -> None:
        super().__init__()
        self.variants: dict[tuple[str, str, str], list[Template]] = defaultdict(list)
        for template in sorted(templates, key=lambda t: t.variant):
            slot = (template.key, template.channel, template.language)
            self.variants[slot].append(template)
            self.setdefault(slot, template)


def current_templates() -> TemplateIndex:
    return TemplateIndex(Template.objects.current())


def variant_bucket(seed: str, count: int) -> int:
    """A stable pick out of count: a hash, not random(), so reruns and later steps give the same."""
    return int(hashlib.sha256(seed.encode()).hexdigest()[:12], 16) % count


def variant_seed(customer_id: int, template_key: str) -> str:
    return f"{customer_id}:{template_key}"


def idempotency_key(*, customer_id: int, step_id: int, cycle: int, channel: str) -> str:
    return f"dunning:{customer_id}:{step_id}:{cycle}:{channel}"


def route(step: Step, contacts: Sequence[Contact]) -> tuple[str, Contact | None]:
    """The channel actually used: e-mail or SMS fall back to a letter without an address or number."""
    channel = step.channel
    first = primary_contact(contacts)
    if first is not None and first.preferred_channel == Contact.Channel.LETTER and channel != Channel.LETTER:
        return Channel.LETTER, first
    if channel == Channel.EMAIL:
        contact = email_contact(contacts)
        if contact is not None:
            return Channel.EMAIL, contact
        return Channel.LETTER, primary_contact(contacts)
    if channel == Channel.SMS:
        with_phone = [c for c in contacts if c.phone]
        if with_phone:
            return Channel.SMS, primary_contact(with_phone)
        return Channel.LETTER, primary_contact(contacts)
    return Channel.LETTER, primary_contact(contacts)


def find_template(
    templates: TemplateIndex | dict, key: str, channel: str, language: str, *, seed: str = ""
) -> Template:
    """The current template for the key, channel and language (with fallbacks: en, then the e-mail text).

    With a seed (customer and step) and several active variants, one variant chosen by the seed.
    """
    for wanted in (channel, Channel.EMAIL):
        available = {lang for (k, ch, lang) in templates if k == key and ch == wanted}
        if available:
            slot = (key, wanted, choose_language(language, available))
            variants = getattr(templates, "variants", {}).get(slot, [])
            if seed and len(variants) > 1:
                return variants[variant_bucket(seed, len(variants))]
            return templates[slot]
    raise ImproperlyConfigured(f"No template {key!r} for {channel}: add one on the templates page")


class Routing(NamedTuple):
    channel: str
    contact: Contact | None
    template: Template


def step_template(
    customer: Customer, step: Step, contacts: Sequence[Contact], templates: TemplateIndex
) -> Routing:
    """The channel, contact and template (the customer's variant) a step's message uses."""
    channel, contact = route(step, contacts)
    language = (contact.language if contact and contact.language else "") or customer.language
    seed = variant_seed(customer.pk, step.template_key)
    template = find_template(templates, step.template_key, channel, language, seed=seed)
    return Routing(channel, contact, template)


def compose_message(
    *,
    customer: Customer,
    step: Step,
    cycle: int,
    routing: Routing,
    invoices: Sequence[Invoice],
    today: date,
    costs,
    interest,
) -> Message:
    """An unsaved outbox message for the step (the caller saves it with the action).

    `routing` is step_template's answer, picked once by the caller: the variant the caller
    records on the action is the one the message is written in."""
    channel, contact, template = routing
    context = build_context(
        customer=customer,
        contact=contact,
        invoices=invoices,
        today=today,
        step_name=step.name,
        costs=costs,
        interest=interest,
    )
    rendered = render_text(
        subject=template.subject, body=template.body, context=context, language=template.language
    )
    if channel == Channel.EMAIL:
        recipient = contact.email  # type: ignore[union-attr]
    elif channel == Channel.SMS:
        recipient = contact.phone  # type: ignore[union-attr]
    else:
        recipient = postal_address(customer, contact=contact, language=template.language)
    message = Message(
        customer=customer,
        channel=channel,
        language=template.language,
        recipient=recipient,
        subject=rendered.subject,
        body=rendered.body,
        idempotency_key=idempotency_key(
            customer_id=customer.pk, step_id=step.pk, cycle=cycle, channel=channel
        ),
        template_version=template.version,
        template_variant=template.variant,
    )
    if channel == Channel.EMAIL:
        from dunning.outbox import outgoing_message_id

        message.message_id = outgoing_message_id(message)
    return message
