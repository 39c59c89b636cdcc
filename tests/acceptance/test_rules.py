from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from acceptance.models import Condition, Outcome, Rule, RuleSet, RuleSetVersion, VersionLocked
from acceptance.rules import FEATURES, holds, parse_value
from acceptance.services import activate_version, add_rule, create_draft_version

D = Decimal


@pytest.mark.parametrize(
    ("feature", "operator", "value", "actual", "expected"),
    [
        ("score", "lt", "25", D(24), True),
        ("score", "lt", "25", D(25), False),
        ("score", "lte", "25", D(25), True),
        ("score", "gt", "25", D(26), True),
        ("score", "gte", "25", D(24), False),
        ("score", "eq", "25", D("25.0"), True),
        ("score", "ne", "25", D(25), False),
        ("score", "lt", "25", None, False),  # unknown never satisfies a comparison
        ("score", "is_missing", "", None, True),
        ("score", "is_missing", "", D(0), False),
        ("overdue_amount", "gt", "5000", D("5000.01"), True),
        ("avg_days_late", "lte", "10", D("10.4"), False),
        ("negative_event", "is_true", "", True, True),
        ("negative_event", "is_true", "", False, False),
        ("negative_event", "is_true", "", None, False),
        ("negative_event", "is_false", "", False, True),
        ("legal_form", "in", "bv, nv", "BV", True),
        ("legal_form", "not_in", "bv,nv", "sole", True),
        ("legal_form", "eq", "bv", "nv", False),
        ("channel", "eq", "Counter", "counter", True),
        ("sector", "in", "bakery", None, False),
    ],
)
def test_conditions(feature, operator, value, actual, expected):
    parsed = parse_value(feature=feature, operator=operator, value=value)
    assert holds(operator=operator, expected=parsed, actual=actual) is expected


@pytest.mark.parametrize(
    ("feature", "operator", "value", "message"),
    [
        ("__import__('os')", "eq", "1", "Unknown feature"),
        ("score", "contains", "1", "Unknown operator"),
        ("score", "in", "1,2", "does not apply"),
        ("negative_event", "gt", "1", "does not apply"),
        ("score", "gt", "abc", "needs a number"),
        ("legal_form", "eq", "", "needs a value"),
        ("legal_form", "in", " , ", "at least one value"),
    ],
)
def test_bad_conditions_are_refused(feature, operator, value, message):
    with pytest.raises(ValidationError, match=message):
        parse_value(feature=feature, operator=operator, value=value)


def test_every_feature_has_a_kind_and_group():
    assert all(f.kind in ("number", "flag", "text") for f in FEATURES.values())
    assert {f.group for f in FEATURES.values()} == {"external", "internal", "request"}


@pytest.mark.django_db
def test_shipped_rule_sets():
    sets = {rs.code: rs for rs in RuleSet.objects.all()}
    assert set(sets) == {"low", "medium", "high"}
    assert [rs.code for rs in RuleSet.objects.filter(in_use=True)] == ["medium"]
    for rule_set in sets.values():
        version = rule_set.versions.get()
        assert version.status == RuleSetVersion.Status.ACTIVE
        rules = list(version.rules.prefetch_related("conditions"))
        assert rules[0].outcome == Outcome.REJECT
        assert rules[-1].conditions.count() == 0  # a catch-all ends every policy
        for rule in rules:
            assert rule.reason_nl and rule.reason_en
            for condition in rule.conditions.all():
                condition.clean()


@pytest.fixture
def draft(db, manager):
    rule_set = RuleSet.objects.create(code="test", name="Test", risk_appetite="medium")
    version = create_draft_version(rule_set=rule_set, by=manager)
    add_rule(
        version=version,
        name="Low score",
        outcome=Outcome.REJECT,
        conditions=[("score", "lt", "30")],
        reason_nl="Score te laag.",
        reason_en="Score too low.",
        by=manager,
    )
    return version


def test_a_draft_is_edited_then_activated_and_never_changed_after(draft, manager):
    rule = add_rule(
        version=draft,
        name="Rest",
        outcome=Outcome.ACCEPT,
        limit_kind="fixed",
        limit_amount=D("1000"),
        reason_nl="Rest.",
        reason_en="Rest.",
        by=manager,
    )
    assert rule.position == 20
    activate_version(version=draft, by=manager)
    draft.refresh_from_db()
    assert (draft.status, draft.activated_by) == (RuleSetVersion.Status.ACTIVE, manager)

    with pytest.raises(VersionLocked):
        add_rule(version=draft, name="More", outcome=Outcome.REFER, reason_nl="x", reason_en="x", by=manager)
    rule.name = "Changed"
    with pytest.raises(VersionLocked):
        rule.save()
    with pytest.raises(VersionLocked):
        rule.delete()
    condition = Condition.objects.filter(rule__version=draft).first()
    condition.value = "10"
    with pytest.raises(VersionLocked):
        condition.save()
    with pytest.raises(VersionLocked):
        Condition(rule=rule, feature="score", operator="gt", value="1").save()
    draft.notes = "sneaky"
    with pytest.raises(VersionLocked):
        draft.save()
    with pytest.raises(VersionLocked):
        draft.delete()
    with pytest.raises(VersionLocked):
        activate_version(version=draft, by=manager)
    assert Rule.objects.get(pk=rule.pk).name == "Rest"
    assert Condition.objects.get(pk=condition.pk).value == "30"


def test_activating_a_new_version_retires_the_old_one(draft, manager):
    activate_version(version=draft, by=manager)
    second = create_draft_version(rule_set=draft.rule_set, by=manager, copy_from=draft)
    assert second.number == 2
    copied = second.rules.get()
    assert [str(c) for c in copied.conditions.all()] == ["score lt 30"]
    copied.reason_en = "Score below 30."  # the copy is a draft: editable
    copied.save()
    activate_version(version=second, by=manager)
    draft.refresh_from_db()
    assert draft.status == RuleSetVersion.Status.RETIRED and draft.retired_at
    assert draft.rules.get().reason_en == "Score too low."  # the old version kept its words
    with pytest.raises(VersionLocked):
        draft.rules.get().save()


def test_an_empty_draft_cannot_be_activated(db, manager):
    rule_set = RuleSet.objects.create(code="empty", name="Empty", risk_appetite="low")
    version = create_draft_version(rule_set=rule_set, by=manager)
    with pytest.raises(VersionLocked):
        activate_version(version=version, by=manager)


def test_add_rule_refuses_bad_conditions_and_limits(draft, manager):
    with pytest.raises(ValidationError):
        add_rule(
            version=draft,
            name="x",
            outcome=Outcome.REJECT,
            conditions=[("nope", "eq", "1")],
            reason_nl="x",
            reason_en="x",
            by=manager,
        )
    with pytest.raises(ValidationError):
        add_rule(
            version=draft,
            name="x",
            outcome=Outcome.ACCEPT,
            limit_kind="share",
            limit_share=D("150"),
            reason_nl="x",
            reason_en="x",
            by=manager,
        )
    assert draft.rules.count() == 1
