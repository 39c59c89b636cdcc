"""Credit application for a prospect: check the KvK number, ask the bureau, decide, create the customer.

A controller or sales rep fills in the KvK number (and what the bureau may not
know). The decision is made and kept like any other (channel sales, for the
registration number); on acceptance the customer is created (or a prospect
record becomes active) with the granted limit, the payment terms of the rule
and the risk class the bureau report suggests, and the limit gets a review
date a year ahead. A referral of a company that is not a customer yet creates
a prospect record, so the decision belongs to it and its review task is on a
worklist; a manager who overrides it to accept completes the application
(`accept_application`). A rejection creates nothing but the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from stdnum.util import clean

from acceptance.bureau import BureauReport, LocalBureauProvider
from acceptance.models import Channel, CreditTerms, Decision, Outcome
from acceptance.monitoring import risk_class_of
from acceptance.services import decide
from accounts.models import Customer, Event, validate_kvk
from accounts.services import create_customer, record_event, update_customer
from creditmgmt import texts
from creditmgmt.models import Role, User
from creditmgmt.texts import Text

REVIEW_AFTER = timedelta(days=365)


def clean_kvk(value: str) -> str:
    """The KvK number without spaces, dots or dashes; ValidationError unless 8 digits."""
    number = clean(value or "", " .-").strip()
    validate_kvk(number)
    return number


@dataclass
class Application:
    decision: Decision
    customer: Customer | None

    @property
    def accepted(self) -> bool:
        return self.customer is not None


def apply_for_credit(
    *,
    registration_number: str,
    by: User,
    name: str = "",
    amount: Decimal | None = None,
    vat_number: str = "",
) -> Application:
    number = clean_kvk(registration_number)
    existing = Customer.objects.filter(kvk_number=number).exclude(status=Customer.Status.CLOSED).first()
    if existing is not None and existing.status != Customer.Status.PROSPECT:
        raise ValidationError(
            _("%(name)s (%(number)s) is already a customer.")
            % {"name": existing.name, "number": existing.number}
        )
    decision = decide(
        by=by,
        channel=Channel.SALES,
        customer=existing,
        registration_number=number,
        amount=amount,
        checkpoint="order",
        company_name=name,  # names the decision when the bureau does not know the company
        # Referred: the company becomes a prospect, so a review task follows the referral up.
        prospect=lambda: _create_customer(
            registration_number=number,
            by=by,
            name=name,
            vat_number=vat_number,
            report=LocalBureauProvider().fetch(number),
            status=Customer.Status.PROSPECT,
        ),
    )
    if decision.outcome not in (Outcome.ACCEPT, Outcome.ACCEPT_WITH_CONDITIONS):
        return Application(decision=decision, customer=None)
    customer = accept_application(
        decision=decision, customer=existing, by=by, name=name, vat_number=vat_number
    )
    return Application(decision=decision, customer=customer)


def accept_application(
    *, decision: Decision, customer: Customer | None, by: User, name: str = "", vat_number: str = ""
) -> Customer:
    """The accepted application of `decision`: the prospect `customer` becomes active, or (None) the
    customer is created, with the decision's limit, its payment terms (30 days when it sets none),
    the risk class of the bureau report and a limit review a year ahead. Also a manager's override
    of a referred application (`override_decision`)."""
    number = decision.registration_number
    report = LocalBureauProvider().fetch(number)
    fields = {
        "credit_limit": decision.limit,
        "payment_terms_days": decision.payment_terms_days or 30,
        "risk_class": (risk_class_of(report) if report else None) or Customer.RiskClass.UNKNOWN,
        "status": Customer.Status.ACTIVE,
    }
    # The sales rep who brings a customer in becomes its account manager, unless it has one.
    if by.role == Role.SALES and by.is_active and (customer is None or customer.account_manager_id is None):
        fields["account_manager"] = by
    with transaction.atomic():
        if customer is not None:
            customer = update_customer(customer=customer, by=by, **fields)
        else:
            customer = _create_customer(
                registration_number=number, by=by, name=name, vat_number=vat_number, report=report, **fields
            )
        CreditTerms.objects.update_or_create(
            customer=customer, defaults={"review_on": timezone.localdate() + REVIEW_AFTER}
        )
        record_event(
            customer=customer,
            kind=Event.Kind.DECISION,
            verb="application_accepted",
            summary=Text(
                gettext_noop(
                    "Credit application accepted (decision %(id)s): "
                    "limit %(limit)s, %(days)s days, risk %(risk)s"
                ),
                id=decision.pk,
                limit=texts.money(decision.limit, decision.currency),
                days=fields["payment_terms_days"],
                risk=Customer.RiskClass(fields["risk_class"]),
            ),
            by=by,
            target=decision,
            data={"decision": decision.pk, "limit": str(decision.limit)},
        )
    return customer


def _create_customer(
    *,
    registration_number: str,
    by: User,
    name: str,
    vat_number: str,
    report: BureauReport | None,
    **fields: Any,
) -> Customer:
    """A new customer (or prospect) in the N-series, named and addressed by the bureau report, else
    by what the applicant typed. A controller who applies becomes its controller, a sales rep its
    account manager."""
    if by.role == Role.SALES and by.is_active:
        fields.setdefault("account_manager", by)
    legal_form = report.legal_form if report else ""
    return create_customer(
        by=by,
        number=_next_number(),
        name=(report.name if report else "") or name.strip() or registration_number,
        kvk_number=registration_number,
        vat_number=vat_number.strip(),
        address=report.address if report else "",
        postal_code=report.postal_code if report else "",
        city=report.city if report else "",
        country=(report.country if report else "") or "NL",
        legal_form=legal_form if legal_form in Customer.LegalForm.values else Customer.LegalForm.BV,
        controller=by if by.role == Role.CONTROLLER else None,
        **fields,
    )


def _next_number() -> str:
    """The next free customer number in the N-series for customers that applied here."""
    last = (
        Customer.objects.filter(number__startswith="N")
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last[1:]) + 1 if last and last[1:].isdigit() else 1
    return f"N{sequence:06d}"
