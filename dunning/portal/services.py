"""What happens through the portal. Each function: one transaction, customer lock first, timeline event.

Contact details a customer corrects wait for a controller (a changed e-mail
address or bank-related detail is how invoice fraud starts, so a person looks
first); communication preferences (language, letter or e-mail) are applied at
once and recorded. Both are a ChangeRequest shown on the 360 and the timeline.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.models import Contact, Customer, Event, Task
from accounts.services import (
    Actor,
    add_contact,
    create_task,
    lock_customer,
    record_event,
    update_customer,
)
from creditmgmt import texts
from creditmgmt.fields import as_id
from creditmgmt.models import User
from creditmgmt.texts import Text
from dunning.models import (
    AgreementChannel,
    ChangeRequest,
    Dispute,
    PaymentPlan,
    PortalToken,
    Promise,
    RemittanceAdvice,
)
from dunning.portal.links import new_token, url_for
from dunning.rendering import primary_contact

CUSTOMER = "portal: customer"
OPEN_EVENT_EVERY = timedelta(hours=1)
CONTACT_FIELDS = ("name", "email", "phone")
ADDRESS_FIELDS = ("address", "postal_code", "city")
FIELD_NAMES = {
    "contact_name": gettext_noop("contact person"),
    "contact_email": gettext_noop("e-mail"),
    "contact_phone": gettext_noop("phone"),
    "address": gettext_noop("address"),
    "postal_code": gettext_noop("postal code"),
    "city": gettext_noop("city"),
    "language": gettext_noop("language"),
    "preferred_channel": gettext_noop("preferred channel"),
    "contact_language": gettext_noop("contact's language"),
}
FIELD_LABELS = {field: gettext_lazy(name) for field, name in FIELD_NAMES.items()}
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


def describe(changes: dict[str, list[str]]) -> dict:
    """The changes as a text parameter: each field named in the reader's language."""
    return texts.joined(
        Text(
            gettext_noop("%(field)s: %(old)s → %(new)s"),
            field=Text(FIELD_NAMES[k]) if k in FIELD_NAMES else k,
            old=v[0] or "—",
            new=v[1] or "—",
        )
        for k, v in changes.items()
    )


def record_opening(token: PortalToken, *, now=None) -> bool:
    """Note the opening; a timeline event at most once per link per hour (refreshes do not flood)."""
    now = now or timezone.now()
    first_in_hour = (
        PortalToken.objects.filter(pk=token.pk, last_opened_at__isnull=True)
        | PortalToken.objects.filter(pk=token.pk, last_opened_at__lte=now - OPEN_EVENT_EVERY)
    ).update(last_opened_at=now)
    if not first_in_hour:
        return False
    token.last_opened_at = now
    record_event(
        customer=token.customer_id,
        kind=Event.Kind.CUSTOMER,
        verb="portal_opened",
        summary=Text(gettext_noop("Opened the reminder link")),
        by=CUSTOMER,
        target=token,
        data={"opened_at": now.isoformat(), "token": token.pk},
    )
    return True


def make_link(*, customer: Customer, by: Actor) -> str:
    """A fresh link for a controller to send by hand; the raw link is returned once, never stored."""
    with transaction.atomic():
        lock_customer(customer.pk)
        token, raw = new_token(customer, made_by=str(by))
        token.save()
        record_event(
            customer=customer,
            kind=Event.Kind.CUSTOMER,
            verb="portal_link_made",
            summary=Text(
                gettext_noop("New portal link made, valid until %(date)s"),
                date=timezone.localdate(token.expires_at),
            ),
            by=by,
            target=token,
        )
    return url_for(raw)


def revoke_links(*, customer: Customer, by: Actor) -> int:
    with transaction.atomic():
        lock_customer(customer.pk)
        count = PortalToken.objects.valid().filter(customer=customer).update(revoked_at=timezone.now())
        if count:
            record_event(
                customer=customer,
                kind=Event.Kind.CUSTOMER,
                verb="portal_links_revoked",
                summary=Text(gettext_noop("%(count)s portal link(s) revoked"), count=count),
                by=by,
                data={"count": count},
            )
    return count


def earlier_dispute(customer: Customer, *, invoice_id: str, reason_id: str, message: str) -> Dispute | None:
    """The customer's open portal dispute of exactly this invoice, reason and text: what a double
    submit finds (the first one made it). None when the values are not even ids."""
    invoice_pk, reason_pk = as_id(invoice_id), as_id(reason_id)
    if invoice_pk is None or reason_pk is None:
        return None
    return (
        Dispute.objects.open()
        .filter(
            customer=customer,
            channel=Dispute.Channel.PORTAL,
            invoices=invoice_pk,
            reason_id=reason_pk,
            message=message.strip(),
        )
        .order_by("-pk")
        .first()
    )


def _ids(values: list[str]) -> set[int]:
    return {pk for pk in map(as_id, values) if pk is not None}


def earlier_promise(customer: Customer, *, invoice_ids: list[str], promised_date: str) -> Promise | None:
    """The customer's open portal promise of exactly these invoices on this date (ISO, as a date
    input sends it): what a double submit finds. None when there is none or the values are no ids."""
    ids = _ids(invoice_ids)
    try:
        day = date.fromisoformat(promised_date)
    except ValueError:
        return None
    if not ids:
        return None
    promises = (
        Promise.objects.open()
        .filter(customer=customer, channel=AgreementChannel.PORTAL, promised_date=day)
        .prefetch_related("invoices")
    )
    return next((p for p in promises if {i.pk for i in p.invoices.all()} == ids), None)


def earlier_plan(customer: Customer, *, invoice_ids: list[str]) -> PaymentPlan | None:
    """The customer's portal plan (asked for or running) over exactly these invoices: what a double
    submit of "Agree" finds."""
    ids = _ids(invoice_ids)
    if not ids:
        return None
    plans = PaymentPlan.objects.pausing().filter(customer=customer, channel=AgreementChannel.PORTAL)
    return next(
        (p for p in plans.prefetch_related("invoices") if {i.pk for i in p.invoices.all()} == ids), None
    )


def check_upload(upload: UploadedFile) -> str:
    """The file's type by its first bytes (PDF, PNG, JPEG) within the size limit; else a clear refusal."""
    limit = settings.PORTAL_UPLOAD_MAX_BYTES
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("The file is empty."))
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; at most %(limit)s MB is accepted.")
            % {"size": round(upload.size / 1_048_576, 1), "limit": round(limit / 1_048_576, 1)}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for content_type, signatures in SIGNATURES.items():
        if head.startswith(signatures):
            return content_type
    raise ValidationError(_("Only PDF, PNG and JPEG files are accepted."))


def upload_remittance(
    *, customer: Customer, upload: UploadedFile, note: str = "", token: PortalToken | None = None
) -> RemittanceAdvice:
    content_type = check_upload(upload)
    with transaction.atomic():
        lock_customer(customer.pk)
        name = (upload.name or "remittance").rsplit("/", 1)[-1][-120:]
        advice = RemittanceAdvice(
            customer=customer,
            token=token,
            original_name=name,
            content_type=content_type,
            size=upload.size,
            note=note.strip()[:500],
        )
        advice.file.save(name, upload, save=False)
        advice.task = create_task(
            customer=customer,
            title=Text(gettext_noop("Check the remittance advice %(name)s from the portal"), name=name),
            due_date=timezone.localdate(),
            by=CUSTOMER,
            kind=Task.Kind.PAYMENT,
        )
        advice.save()
        record_event(
            customer=customer,
            kind=Event.Kind.PAYMENT,
            verb="remittance_uploaded",
            summary=Text(
                gettext_noop("Remittance advice %(name)s uploaded in the portal: %(note)s"),
                name=name,
                note=advice.note,
            )
            if advice.note
            else Text(gettext_noop("Remittance advice %(name)s uploaded in the portal"), name=name),
            by=CUSTOMER,
            target=advice,
        )
    return advice


def current_details(customer: Customer, contact: Contact | None) -> dict[str, str]:
    values = {f"contact_{f}": getattr(contact, f) if contact else "" for f in CONTACT_FIELDS}
    values.update({f: getattr(customer, f) for f in ADDRESS_FIELDS})
    return values


def request_contact_change(
    *, customer: Customer, proposed: dict[str, str], token: PortalToken | None = None
) -> ChangeRequest | None:
    """Corrected contact details wait for a controller: a change request, a task and a timeline line."""
    with transaction.atomic():
        lock_customer(customer.pk)
        contact = primary_contact(list(customer.contacts.all()))
        current = current_details(customer, contact)
        changes = {
            field: [current[field], value.strip()]
            for field, value in proposed.items()
            if field in current and value.strip() != current[field]
        }
        if not changes:
            return None
        request = ChangeRequest.objects.create(
            customer=customer, token=token, kind=ChangeRequest.Kind.CONTACT, changes=changes
        )
        create_task(
            customer=customer,
            title=Text(gettext_noop("Check contact details the customer corrected in the portal")),
            due_date=timezone.localdate(),
            by=CUSTOMER,
            kind=Task.Kind.REVIEW,
        )
        record_event(
            customer=customer,
            kind=Event.Kind.CONTACT,
            verb="change_requested",
            summary=Text(
                gettext_noop("Customer asked in the portal to correct: %(fields)s"), fields=describe(changes)
            ),
            by=CUSTOMER,
            target=request,
            data={"changes": changes},
        )
    return request


def update_preferences(
    *, customer: Customer, language: str, channel: str, token: PortalToken | None = None
) -> ChangeRequest | None:
    """Language and letter-or-e-mail are the customer's own call: applied at once, and recorded."""
    if language not in ("nl", "en"):
        raise ValidationError(_("Choose Dutch or English."))
    if channel not in (Contact.Channel.EMAIL, Contact.Channel.LETTER):
        raise ValidationError(_("Choose e-mail or letter."))
    with transaction.atomic():
        lock_customer(customer.pk)
        customer = Customer.objects.get(pk=customer.pk)
        contact = primary_contact(list(customer.contacts.all()))
        changes = {}
        if customer.language != language:
            changes["language"] = [customer.language, language]
        if contact is not None and contact.preferred_channel != channel:
            changes["preferred_channel"] = [contact.preferred_channel, channel]
        if contact is not None and contact.language and contact.language != language:
            changes["contact_language"] = [contact.language, language]
        if not changes:
            return None
        if "language" in changes:
            update_customer(customer=customer, language=language, by=CUSTOMER)
        if contact is not None and ("preferred_channel" in changes or "contact_language" in changes):
            contact.preferred_channel = channel
            if contact.language:
                contact.language = language
            contact.save(update_fields=["preferred_channel", "language"])
        request = ChangeRequest.objects.create(
            customer=customer,
            token=token,
            kind=ChangeRequest.Kind.PREFERENCES,
            changes=changes,
            status=ChangeRequest.Status.APPLIED,
            decided_at=timezone.now(),
        )
        record_event(
            customer=customer,
            kind=Event.Kind.CONTACT,
            verb="preferences_changed",
            summary=Text(
                gettext_noop("Customer changed communication preferences in the portal: %(fields)s"),
                fields=describe(changes),
            ),
            by=CUSTOMER,
            target=request,
            data={"changes": changes},
        )
    return request


def _locked_pending(request: ChangeRequest) -> ChangeRequest:
    lock_customer(request.customer_id)
    request = ChangeRequest.objects.select_for_update().select_related("customer").get(pk=request.pk)
    if request.status != ChangeRequest.Status.PENDING:
        raise ValidationError(_("This change was already handled."))
    return request


def apply_change_request(*, request: ChangeRequest, by: User) -> ChangeRequest:
    with transaction.atomic():
        request = _locked_pending(request)
        customer = request.customer
        proposed = {field: values[1] for field, values in request.changes.items()}
        address = {f: proposed[f] for f in ADDRESS_FIELDS if f in proposed}
        if address:
            update_customer(customer=customer, by=by, **address)
        contact_values = {f: proposed[f"contact_{f}"] for f in CONTACT_FIELDS if f"contact_{f}" in proposed}
        if contact_values:
            contact = primary_contact(list(customer.contacts.all()))
            if contact is None:
                add_contact(
                    customer=customer,
                    by=by,
                    is_primary=True,
                    role=Contact.Role.ACCOUNTS_PAYABLE,
                    **{"name": customer.name, **contact_values},
                )
            else:
                for field, value in contact_values.items():
                    setattr(contact, field, value)
                contact.full_clean()
                contact.save()
        request.status = ChangeRequest.Status.APPLIED
        request.decided_at = timezone.now()
        request.decided_by = by
        request.save(update_fields=["status", "decided_at", "decided_by"])
        record_event(
            customer=customer,
            kind=Event.Kind.CONTACT,
            verb="change_applied",
            summary=Text(gettext_noop("Contact details from the portal applied")),
            by=by,
            target=request,
        )
    return request


def reject_change_request(*, request: ChangeRequest, by: User) -> ChangeRequest:
    with transaction.atomic():
        request = _locked_pending(request)
        request.status = ChangeRequest.Status.REJECTED
        request.decided_at = timezone.now()
        request.decided_by = by
        request.save(update_fields=["status", "decided_at", "decided_by"])
        record_event(
            customer=request.customer_id,
            kind=Event.Kind.CONTACT,
            verb="change_rejected",
            summary=Text(gettext_noop("Contact details from the portal not applied")),
            by=by,
            target=request,
        )
    return request
