"""The acceptance API: real-time credit decisions and a customer's available credit.

Mounted by creditmgmt.urls under /api/v1/acceptance/. Thin: parse, find the
customer, call one service, shape the answer.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Status
from pydantic import BaseModel, ConfigDict

from acceptance.models import Decision
from acceptance.queries import credit_position
from acceptance.services import OrderReferenceReused, OrderRows, decide_order, read_order
from accounts.models import Customer
from creditmgmt.api import ApiKey, ErrorOut, FieldProblem
from creditmgmt.models import ApiClient

router = Router(tags=["acceptance"])

# Printable ASCII, no spaces at either end: order references and customer numbers.
CODE = r"^[!-~](?:[ -~]*[!-~])?$"
Money = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]


# Plain pydantic models, not ninja's Schema: these carry dicts, never model instances, and Schema's
# attribute-resolving validator cost the decision call ~0.3 ms on each of its two.
class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_reference: str = Field(
        min_length=1,
        max_length=64,
        pattern=CODE,
        description="Your order number; one decision per reference",
        examples=["WS-2026-000123"],
    )
    customer_number: str | None = Field(
        None,
        min_length=1,
        max_length=32,
        pattern=CODE,
        description="Our customer number",
        examples=["C-1001"],
    )
    registration_number: str | None = Field(
        None, pattern=r"^\d{8}$", description="KvK number (8 digits), for customers and prospects"
    )
    amount: Money = Field(description="Order amount, at most 2 decimals", examples=["1250.00"])
    currency: str = Field(
        pattern=r"^[A-Z]{3}$", description="ISO 4217; the customer's invoicing currency", examples=["EUR"]
    )
    channel: Literal["api", "webshop", "sales"] = Field("webshop", description="Where the order comes from")


class Reasons(BaseModel):
    nl: list[str]
    en: list[str]


class DecisionOut(BaseModel):
    decision_id: int
    order_reference: str
    customer_number: str | None
    registration_number: str
    company_name: str
    outcome: Literal["accept", "conditions", "refer", "reject"]
    on_account: bool = Field(description="This order may be delivered on account now")
    currency: str
    amount: Decimal | None
    limit: Decimal
    available: Decimal
    prepayment_percent: Decimal | None
    payment_terms_days: int | None
    reasons: Reasons
    rule_set: str
    decided_at: datetime
    replayed: bool = Field(description="True when this order reference was decided before")


class CreditOut(BaseModel):
    customer_number: str
    name: str
    currency: str
    credit_limit: Decimal = Field(description="Today's limit: a running temporary limit, else the base one")
    open_amount: Decimal = Field(description="Open invoices of the customer's group")
    reserved: Decimal = Field(description="Accepted orders of the group that are not invoiced yet")
    exposure: Decimal = Field(description="open_amount + reserved: what a decision counts")
    available: Decimal = Field(description="What is left of the limit; the next order is decided on this")
    delivery_blocked: bool


def _decision_out(decision: Decision, *, order_reference: str, replayed: bool) -> dict:
    amount = decision.requested_amount
    return {
        "decision_id": decision.pk,
        "order_reference": order_reference,
        "customer_number": decision.customer.number if decision.customer else None,
        "registration_number": decision.registration_number,
        "company_name": decision.company_name,
        "outcome": decision.outcome,
        "on_account": decision.on_account and (amount is None or amount <= decision.available),
        "currency": decision.currency,
        "amount": amount,
        "limit": decision.limit,
        "available": decision.available,
        "prepayment_percent": decision.prepayment_percent,
        "payment_terms_days": decision.payment_terms_days,
        "reasons": {"nl": decision.reasons_nl, "en": decision.reasons_en},
        "rule_set": str(decision.version),
        "decided_at": decision.created_at,
        "replayed": replayed,
    }


def _customer_for(payload: DecisionIn, client: ApiClient) -> tuple[Customer | None, str, OrderRows | None]:
    """The customer asked for (with read_order's rows), or None and the registration number of a
    prospect."""
    if bool(payload.customer_number) == bool(payload.registration_number):
        raise FieldProblem("customer_number", _("Give customer_number or registration_number, one of them."))
    if payload.customer_number:
        read = read_order(
            client=client, order_reference=payload.order_reference, customer_number=payload.customer_number
        )
        if read.customer is None:
            raise FieldProblem("customer_number", _("No customer has this number."))
        return read.customer, "", read
    customers = list(
        Customer.objects.filter(kvk_number=payload.registration_number).exclude(
            status=Customer.Status.CLOSED
        )[:2]
    )
    if len(customers) > 1:
        raise FieldProblem(
            "registration_number",
            _("Several customers have this registration number: give customer_number."),
        )
    return (customers[0], "", None) if customers else (None, payload.registration_number, None)


@router.post(
    "/decisions",
    auth=ApiKey(ApiClient.Scope.DECIDE),
    response={
        200: DecisionOut,
        201: DecisionOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    url_name="decision_create",
    summary="Decide whether an order may go on account",
)
def create_decision(request: HttpRequest, payload: DecisionIn):
    """Decides with the rule set in use (201), or answers with the decision already made for this
    order reference (200, `replayed`). The same reference with another question is 409."""
    client: ApiClient = request.auth  # type: ignore[attr-defined]
    customer, registration_number, read = _customer_for(payload, client)
    currency = customer.currency if customer else settings.COMPANY["currency"]
    if payload.currency != currency:
        raise FieldProblem("currency", _("This customer is invoiced in %(c)s.") % {"c": currency})
    try:
        decision, made = decide_order(
            client=client,
            order_reference=payload.order_reference,
            channel=payload.channel,
            amount=payload.amount,
            currency=payload.currency,
            customer=customer,
            registration_number=registration_number,
            read=read,
        )
    except OrderReferenceReused as error:
        raise FieldProblem("order_reference", error.messages[0], status=409) from None
    body = _decision_out(decision, order_reference=payload.order_reference, replayed=not made)
    return Status(201 if made else 200, body)


@router.get(
    "/customers/{number}/credit",
    auth=ApiKey(ApiClient.Scope.CREDIT),
    response={200: CreditOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="customer_credit",
    summary="A customer's credit limit, exposure and available credit",
)
def customer_credit(request: HttpRequest, number: Annotated[str, Path(max_length=32)]):
    customer = Customer.objects.filter(number=number).first()
    if customer is None:
        raise FieldProblem("number", _("No customer has this number."), status=404)
    position = credit_position(customer)
    return {
        "customer_number": customer.number,
        "name": customer.name,
        "currency": customer.currency,
        "credit_limit": position.limit,
        "open_amount": position.open_amount,
        "reserved": position.reserved,
        "exposure": position.exposure,
        "available": position.available,
        "delivery_blocked": customer.delivery_blocked,
    }
