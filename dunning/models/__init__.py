"""Dunning: procedures, templates, per-customer state, actions, stops, the outbox and runs."""

from dunning.models.exceptions import ExceptionCase
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
    "AssignmentRule",
    "Behaviour",
    "Channel",
    "CustomerDunning",
    "DunningAction",
    "DunningStop",
    "ExceptionCase",
    "InterestRate",
    "LetterBatch",
    "Message",
    "Procedure",
    "Step",
    "Template",
    "WorkflowRun",
]
