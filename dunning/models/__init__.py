"""Dunning: procedures, templates, per-customer state, actions, stops, the outbox and runs."""

from dunning.models.inbox import InboundAttachment, InboundMail, MailCategory, MailClassifier
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
    "CustomerDunning",
    "DunningAction",
    "DunningStop",
    "InboundAttachment",
    "InboundMail",
    "Installment",
    "InterestRate",
    "LetterBatch",
    "MailCategory",
    "MailClassifier",
    "Message",
    "PaymentPlan",
    "Procedure",
    "Promise",
    "Step",
    "Template",
    "WorkflowRun",
]
