"""The rule language: named features, a fixed list of operators, and their evaluation.

Rules never hold code. A condition is `feature operator value`; the value is
text parsed by the feature's type. A condition on a feature that is missing
(no bureau report, no paid invoices yet) does not hold, except `is_missing`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

NUMBER, FLAG, TEXT = "number", "flag", "text"


@dataclass(frozen=True)
class Feature:
    name: str
    kind: str  # NUMBER, FLAG or TEXT
    group: str  # "external", "internal" or "request"
    label: Any


FEATURES = {
    f.name: f
    for f in [
        Feature("bureau_known", FLAG, "external", _("Bureau knows the company")),
        Feature("score", NUMBER, "external", _("Bureau score (0-100)")),
        Feature("probability_of_default", NUMBER, "external", _("Probability of default in 12 months (%)")),
        Feature("rating", TEXT, "external", _("Bureau rating")),
        Feature("recommended_limit", NUMBER, "external", _("Recommended limit")),
        Feature("company_age_years", NUMBER, "external", _("Company age (years)")),
        Feature("legal_form", TEXT, "external", _("Legal form")),
        Feature("country", TEXT, "external", _("Country")),
        Feature("sector", TEXT, "external", _("Sector")),
        Feature("negative_event", FLAG, "external", _("Bankruptcy, suspension or other negative event")),
        Feature("has_parent", FLAG, "external", _("Part of a group")),
        Feature("report_age_days", NUMBER, "external", _("Age of the bureau report (days)")),
        Feature(
            "bureau_unavailable", FLAG, "external", _("Bureau could not be reached (stored report used)")
        ),
        Feature("is_customer", FLAG, "internal", _("Existing customer")),
        Feature("delivery_blocked", FLAG, "internal", _("Delivery block")),
        Feature("risk_class", TEXT, "internal", _("Risk class")),
        Feature("overdue_amount", NUMBER, "internal", _("Overdue amount")),
        Feature("days_oldest_overdue", NUMBER, "internal", _("Days the oldest open invoice is overdue")),
        Feature("avg_days_late", NUMBER, "internal", _("Average days paid after the due date (12 months)")),
        Feature("invoice_over_90_days", FLAG, "internal", _("An invoice more than 90 days overdue")),
        Feature("exposure", NUMBER, "internal", _("Exposure including group companies and reserved orders")),
        Feature("reserved_amount", NUMBER, "internal", _("Reserved for accepted orders not invoiced yet")),
        Feature("credit_limit", NUMBER, "internal", _("Credit limit set by a person (0: not set)")),
        Feature("open_disputes", NUMBER, "internal", _("Open disputes")),
        Feature("disputed_amount", NUMBER, "internal", _("Amount in open disputes")),
        Feature("broken_promises_12m", NUMBER, "internal", _("Promises to pay broken in 12 months")),
        Feature("promise_kept_rate", NUMBER, "internal", _("Promises to pay kept (%)")),
        Feature("amount", NUMBER, "request", _("Requested amount")),
        Feature("channel", TEXT, "request", _("Channel")),
    ]
}

OPERATORS: dict[str, tuple[Any, set[str]]] = {
    "eq": (_("is"), {NUMBER, TEXT}),
    "ne": (_("is not"), {NUMBER, TEXT}),
    "lt": (_("is less than"), {NUMBER}),
    "lte": (_("is at most"), {NUMBER}),
    "gt": (_("is more than"), {NUMBER}),
    "gte": (_("is at least"), {NUMBER}),
    "in": (_("is one of"), {TEXT}),
    "not_in": (_("is none of"), {TEXT}),
    "is_true": (_("is yes"), {FLAG}),
    "is_false": (_("is no"), {FLAG}),
    "is_missing": (_("is unknown"), {NUMBER, TEXT, FLAG}),
}
NO_VALUE = {"is_true", "is_false", "is_missing"}


def parse_value(*, feature: str, operator: str, value: str) -> Any:
    """The condition's value as the feature's type; raises ValidationError naming what is wrong."""
    spec = FEATURES.get(feature)
    if spec is None:
        raise ValidationError(_("Unknown feature: %(f)s") % {"f": feature}, code="feature")
    if operator not in OPERATORS:
        raise ValidationError(_("Unknown operator: %(o)s") % {"o": operator}, code="operator")
    if spec.kind not in OPERATORS[operator][1]:
        raise ValidationError(
            _("Operator %(o)s does not apply to %(f)s.") % {"o": operator, "f": feature}, code="operator"
        )
    if operator in NO_VALUE:
        return None
    value = (value or "").strip()
    if spec.kind == NUMBER:
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValidationError(
                _("%(f)s needs a number, not %(v)s.") % {"f": feature, "v": value}, code="value"
            ) from None
    if operator in ("in", "not_in"):
        items = frozenset(item.strip().lower() for item in value.split(",") if item.strip())
        if not items:
            raise ValidationError(_("Give at least one value, separated by commas."), code="value")
        return items
    if not value:
        raise ValidationError(_("%(f)s needs a value.") % {"f": feature}, code="value")
    return value.lower()


def check_condition(*, feature: str, operator: str, value: str) -> None:
    parse_value(feature=feature, operator=operator, value=value)


def holds(*, operator: str, expected: Any, actual: Any) -> bool:
    """Whether `actual operator expected` holds; a missing actual only satisfies is_missing."""
    if operator == "is_missing":
        return actual is None or actual == ""
    if actual is None:
        return False
    if operator == "is_true":
        return actual is True
    if operator == "is_false":
        return actual is False
    if isinstance(actual, str):
        actual = actual.lower()
    elif not isinstance(actual, bool):
        actual = Decimal(str(actual))
    match operator:
        case "eq":
            return actual == expected
        case "ne":
            return actual != expected
        case "lt":
            return actual < expected
        case "lte":
            return actual <= expected
        case "gt":
            return actual > expected
        case "gte":
            return actual >= expected
        case "in":
            return actual in expected
        case "not_in":
            return actual not in expected
    raise ValueError(operator)


@dataclass
class CompiledRule:
    """A rule with its conditions parsed once, ready to run against many feature sets."""

    rule: Any  # acceptance.models.Rule
    conditions: list[tuple[str, str, str, Any]]  # feature, operator, raw value, parsed value


def compile_rules(rules: list) -> list[CompiledRule]:
    return [
        CompiledRule(
            rule=rule,
            conditions=[
                (
                    c.feature,
                    c.operator,
                    c.value,
                    parse_value(feature=c.feature, operator=c.operator, value=c.value),
                )
                for c in rule.conditions.all()
            ],
        )
        for rule in rules
    ]


def evaluate(compiled: list[CompiledRule], features: dict[str, Any]) -> list[dict]:
    """Every rule against the features: which conditions held and whether the rule fired."""
    results = []
    for item in compiled:
        checks = []
        for feature, operator, raw, expected in item.conditions:
            actual = features.get(feature)
            checks.append(
                {
                    "feature": feature,
                    "operator": operator,
                    "value": raw,
                    "actual": actual,
                    "held": holds(operator=operator, expected=expected, actual=actual),
                }
            )
        results.append(
            {
                "position": item.rule.position,
                "name": item.rule.name,
                "outcome": item.rule.outcome,
                "conditions": checks,
                "fired": all(check["held"] for check in checks),
                "decisive": False,
            }
        )
    return results


def fired(compiled: list[CompiledRule], features: dict[str, Any]) -> list[bool]:
    """Which rules fire, without the explanation `evaluate` builds (the simulation's fast path)."""
    get = features.get
    return [
        all(
            holds(operator=operator, expected=expected, actual=get(feature))
            for feature, operator, _raw, expected in item.conditions
        )
        for item in compiled
    ]


# --- a reason that names a condition's old value ------------------------------


@dataclass(frozen=True)
class StaleValue:
    """A condition's value changed and the rule's reason still names the old one ("below 30" after
    the threshold became 40): the editor says so, it never rewrites the reason itself."""

    feature: str
    old: str
    new: str

    @property
    def label(self) -> Any:
        return FEATURES[self.feature].label if self.feature in FEATURES else self.feature

    @property
    def message(self) -> str:
        """What the editor says, in the reader's language."""
        return gettext(
            "The reason still says %(old)s, but the condition on %(feature)s is now %(new)s. "
            "Change the reason if it should say so too."
        ) % {"old": self.old, "feature": self.label, "new": self.new}


def _spellings(value: str, kind: str) -> set[str]:
    """How a reason may write a condition's value: as typed, and for a number as a reader writes it
    in each language, with and without cents (5000: 5.000, 5,000, 5.000,00, 5,000.00)."""
    spellings = {value}
    if kind == NUMBER:
        try:
            number = Decimal(value)
        except InvalidOperation:
            return spellings
        for locale in ("nl_NL", "en_GB"):
            for pattern in ("#,##0.##", "#,##0.00", "0.##"):
                spellings.add(format_decimal(number, format=pattern, locale=locale))
    return spellings


def mentions(text: str, value: str, kind: str) -> bool:
    """Whether `text` names `value` on its own: 30 in "below 30." but not in "300" or "1.30"."""
    for spelling in _spellings(value, kind):
        if kind == NUMBER:
            pattern = rf"(?<![\d.,]){re.escape(spelling)}(?![\d]|[.,]\d)"
        else:
            pattern = rf"(?<!\w){re.escape(spelling)}(?!\w)"
        if re.search(pattern, text, flags=re.IGNORECASE):
            return True
    return False


def stale_values(
    before: Sequence[tuple[str, str, str]], after: Sequence[tuple[str, str, str]], reasons: Sequence[str]
) -> list[StaleValue]:
    """The conditions (feature, operator, value) whose value changed from `before` to `after` while one
    of `reasons` still names the old value. A value changed: the feature's old value is gone and the
    feature has a new one (a condition removed, or added, is not a change of value)."""

    def values(conditions: Sequence[tuple[str, str, str]], feature: str) -> list[str]:
        return [v.strip() for f, o, v in conditions if f == feature and o not in NO_VALUE and v.strip()]

    found = []
    for feature in dict.fromkeys(f for f, _o, _v in before):
        spec = FEATURES.get(feature)
        kind = spec.kind if spec else TEXT
        old_values, new_values = values(before, feature), values(after, feature)
        same = {_same_key(v, kind) for v in old_values} & {_same_key(v, kind) for v in new_values}
        gone = [v for v in old_values if _same_key(v, kind) not in same]
        new = [v for v in new_values if _same_key(v, kind) not in same]
        if not new:
            continue
        for old in gone:
            if any(mentions(reason, old, kind) for reason in reasons):
                found.append(StaleValue(feature=feature, old=old, new=new[0]))
    return found


def _same_key(value: str, kind: str) -> Any:
    """30 and 30.00 are one number; text compares without case."""
    if kind == NUMBER:
        try:
            return Decimal(value).normalize()
        except InvalidOperation:
            return value
    return value.lower()
