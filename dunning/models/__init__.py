"""Dunning: procedures, templates, per-customer state, actions, stops, the outbox and runs."""

from dunning.models.disputes import Dispute, DisputeInvoice, DisputeReason, DisputeUpdate
from dunning.models.exceptions import ExceptionCase
from dunning.models.inbox import InboundAttachment, InboundMail, MailCategory, MailClassifier
from dunning.models.portal import ChangeRequest, PortalToken, RemittanceAdvice
from dunning.models.promises import AgreementChannel, Installment, PaymentPlan, Promise
from dunning.models.setup import (
    Action,
    AssignmentRule,
    Behaviour,
    Channel,
    InterestRate,
    Procedure,
    Step,
    Template,
)
from dunning.models.work import (
    CustomerDunning,
    DunningAction,
    DunningStop,
    LetterBatch,
    Message,
    WorkflowRun,
)

__all__ = [
    "Action",
    "AgreementChannel",
    "AssignmentRule",
    "Behaviour",
    "Channel",
    "ChangeRequest",
    "CustomerDunning",
    "Dispute",
    "DisputeInvoice",
    "DisputeReason",
    "DisputeUpdate",
    "DunningAction",
    "DunningStop",
    "ExceptionCase",
    "InboundAttachment",
    "InboundMail",
    "Installment",
    "InterestRate",
    "LetterBatch",
    "MailCategory",
    "MailClassifier",
    "Message",
    "PaymentPlan",
    "PortalToken",
    "Procedure",
    "Promise",
    "RemittanceAdvice",
    "Step",
    "Template",
    "WorkflowRun",
]
