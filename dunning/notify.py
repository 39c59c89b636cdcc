"""Mail to a dispute's owner and watchers about each update (run by the worker after the commit)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from dunning.models import DisputeUpdate


def recipients(update: DisputeUpdate) -> list:
    """Owner and watchers with an e-mail address, active, not the author of the update."""
    dispute = update.dispute
    people = {u.pk: u for u in dispute.watchers.filter(is_active=True)}
    if dispute.owner_id and dispute.owner.is_active:
        people[dispute.owner_id] = dispute.owner
    people.pop(update.author_id, None)
    return sorted((u for u in people.values() if u.email), key=lambda u: u.pk)


def dispute_update(update_id: int) -> int:
    """One mail per recipient, in that person's language. Returns how many were sent."""
    update = DisputeUpdate.objects.select_related(
        "dispute__customer", "dispute__reason", "dispute__owner", "author"
    ).get(pk=update_id)
    dispute = update.dispute
    people = recipients(update)
    url = getattr(settings, "SITE_URL", "").rstrip("/") + reverse("dunning:dispute_detail", args=[dispute.pk])
    mails = []
    for person in people:
        language = person.language[:2] if person.language[:2] in ("nl", "en") else settings.LANGUAGE_CODE[:2]
        with translation.override(language):
            context = {
                "update": update,
                "dispute": dispute,
                "reason": dispute.reason.label(language),
                "person": person,
                "url": url,
            }
            subject = render_to_string("dunning/disputes/mail/update_subject.txt", context).strip()
            body = render_to_string("dunning/disputes/mail/update.txt", context)
        mails.append(EmailMessage(subject=subject, body=body, to=[person.email]))
    if mails:
        connection = mailers.default  # one connection for all recipients
        connection.send_messages(mails)
    return len(mails)
