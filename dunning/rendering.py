"""Message texts: the fixed context every template gets, and rendering it in the customer's language.

The context (documented for managers in docs/dunning.md):

    customer      name, number, address, postal_code, city, country, language
    contact       name, email, phone (the primary contact; empty strings when none)
    invoices      list of: number, issue_date, due_date, amount, open_amount, days_overdue
    total         the open amount of the listed invoices (Decimal)
    currency      ISO code, for the money filter: {{ total|money:currency }}
    costs         statutory collection costs when the step charges them, else 0
    interest      statutory interest up to today when the step charges it, else 0
    total_due     total + costs + interest
    days_overdue  days since the oldest listed invoice fell due (negative: before)
    portal_url    the customer's personal portal link (dunning.portal.links; a sample in previews)
    company       name, address, iban, bic, kvk, vat, email, phone
    today         the business date
    step          name of the dunning step
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Contact, Customer, Invoice
from creditmgmt.templatetags.money import LOCALES, _locale

ENGINE = Engine(builtins=["creditmgmt.templatetags.money"], autoescape=False, debug=False)
FALLBACK_LANGUAGE = "en"

# The portal issue registers a function customer -> personal link; every reminder shows it.
PortalLink = Callable[[Customer], str]
_portal_link: list[PortalLink] = []


def register_portal_link(func: PortalLink) -> PortalLink:
    _portal_link[:] = [func]
    return func


def portal_url(customer: Customer) -> str:
    return _portal_link[0](customer) if _portal_link else ""


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def check_template(*, subject: str, body: str) -> None:
    """Refuse a text that does not compile, with the template engine's message."""
    for label, text in ((_("subject"), subject), (_("body"), body)):
        try:
            ENGINE.from_string(text)
        except TemplateSyntaxError as exc:
            raise ValidationError(
                _("The %(part)s has a template error: %(error)s") % {"part": label, "error": exc}
            ) from None


def invoice_rows(invoices: Sequence[Invoice], today: date) -> list[dict]:
    return [
        {
            "number": i.number,
            "issue_date": i.issue_date,
            "due_date": i.due_date,
            "amount": i.amount,
            "open_amount": i.open_amount,
            "days_overdue": (today - i.due_date).days,
            # The structured reference (betalingskenmerk or RF) the bank matches the payment by.
            "payment_reference": i.payment_reference,
        }
        for i in invoices
    ]


def build_context(
    *,
    customer: Customer,
    contact: Contact | None,
    invoices: Sequence[Invoice],
    today: date,
    step_name: str = "",
    costs: Decimal = Decimal("0.00"),
    interest: Decimal = Decimal("0.00"),
) -> dict:
    total = sum((i.open_amount for i in invoices), Decimal("0.00"))
    oldest = min((i.due_date for i in invoices), default=today)
    return {
        "customer": {
            "name": customer.name,
            "number": customer.number,
            "address": customer.address,
            "postal_code": customer.postal_code,
            "city": customer.city,
            "country": customer.country,
            "language": customer.language,
        },
        "contact": {
            "name": contact.name if contact else "",
            "email": contact.email if contact else "",
            "phone": contact.phone if contact else "",
        },
        "invoices": invoice_rows(invoices, today),
        "total": total,
        "currency": customer.currency,
        "costs": costs,
        "interest": interest,
        "total_due": total + costs + interest,
        "days_overdue": (today - oldest).days,
        "portal_url": portal_url(customer),
        "company": dict(settings.COMPANY),
        "today": today,
        "step": step_name,
    }


@lru_cache(maxsize=512)
def compiled(text: str):
    """Templates compile once per process; the same text renders for every customer."""
    return ENGINE.from_string(text)


def render_text(*, subject: str, body: str, context: dict, language: str) -> Rendered:
    """Render in the customer's language: money and dates follow it."""
    with translation.override(language):
        ctx = Context(context, autoescape=False)
        rendered_subject = compiled(subject).render(ctx)
        rendered_body = compiled(body).render(ctx)
    return Rendered(subject=" ".join(rendered_subject.split()), body=rendered_body.strip() + "\n")


def choose_language(language: str, available: set[str]) -> str:
    """The customer's language when a template exists in it, else English, else any."""
    if language in available:
        return language
    if FALLBACK_LANGUAGE in available:
        return FALLBACK_LANGUAGE
    return sorted(available)[0] if available else FALLBACK_LANGUAGE


def primary_contact(contacts: Sequence[Contact]) -> Contact | None:
    ordered = sorted(
        contacts, key=lambda c: (not c.is_primary, c.role != Contact.Role.ACCOUNTS_PAYABLE, c.pk)
    )
    return ordered[0] if ordered else None


def email_contact(contacts: Sequence[Contact]) -> Contact | None:
    with_email = [c for c in contacts if c.email]
    return primary_contact(with_email)


ATTENTION = {"nl": "t.a.v.", "de": "z. Hd.", "fr": "à l'attention de"}


def postal_address(customer: Customer, *, contact: Contact | None = None, language: str = "en") -> str:
    """The address for the envelope window; abroad the country name, in capitals, on the last line."""

    lines = [customer.name]
    if contact is not None and contact.name:
        lines.append(f"{ATTENTION.get(language, 'Attn.')} {contact.name}")
    lines += [x.strip() for x in (customer.address or "").splitlines() if x.strip()]
    lines.append(f"{customer.postal_code} {customer.city}".strip())
    country = (customer.country or "").upper()
    if country and country != settings.COMPANY.get("country", "NL"):
        locale = _locale(LOCALES.get(language, "en_GB"))
        lines.append(locale.territories.get(country, country).upper())
    return "\n".join(line for line in lines if line)
