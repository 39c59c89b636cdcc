"""A condition's actual value as a reader of the page reads it: ja/nee, 3,50 in Dutch, "missing"."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import localize
from django.utils.translation import gettext as _

from acceptance.rules import FEATURES, FLAG, NUMBER

register = template.Library()


@register.filter
def feature_value(value, feature: str) -> str:
    """The test page gets live values (bool, Decimal), the decision log the stored snapshot (JSON:
    true/false, numbers as text): both read the same way in the user's language."""
    if value is None:
        return _("missing")
    kind = FEATURES[feature].kind if feature in FEATURES else None
    if kind == FLAG or isinstance(value, bool):
        return _("yes") if value else _("no")
    if kind == NUMBER:
        try:
            return localize(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    return str(value)


@register.filter
def condition_line(condition: dict) -> str:
    """One evaluated condition as the decision log and the rule test show it:
    "score lt 25 → 12 ✓" (no value for operators that take none)."""
    value = condition.get("value")
    asked = f" {value}" if value not in ("", None) else ""
    held = "✓" if condition.get("held") else "✗"
    actual = feature_value(condition.get("actual"), condition["feature"])
    return f"{condition['feature']} {condition['operator']}{asked} → {actual} {held}"


@register.filter
def rule_name(evaluation: dict, version) -> str:
    """An evaluated rule's name in the reader's language (the decision log, the rule test).

    A decision keeps each rule's English name with its evaluation; the version it used never
    changes, so that version's rule at the same position has the name in both languages (the
    decision log prefetches the rules, the rule test has them loaded)."""
    position = evaluation.get("position")
    for rule in version.rules.all():
        if rule.position == position:
            return rule.display_name
    return evaluation.get("name", "")
