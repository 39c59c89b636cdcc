"""Every write of the acceptance app: bureau imports, rule set versions, decisions.

Keyword-only, typed, `by=` actor (a user or a label such as "api: webshop"),
one transaction each, timeline Events through accounts.services.record_event.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from acceptance.bureau import (
    NOT_READ,
    BureauProvider,
    BureauReport,
    BureauUnavailable,
    LocalBureauProvider,
    get_provider,
    read_bureau_file,
)
from acceptance.features import compute_features
from acceptance.models import (
    ApiDecisionRequest,
    BureauRecord,
    Channel,
    Checkpoint,
    Condition,
    Decision,
    Outcome,
    Rule,
    RuleSet,
    RuleSetVersion,
    VersionLocked,
)
from acceptance.rules import StaleValue, compile_rules, evaluate, parse_value, stale_values
from acceptance.rules import fired as fired_rules
from accounts.models import ZERO, Customer, Event, Task
from accounts.services import Actor, build_event, complete_task, create_task, record_event
from creditmgmt import texts
from creditmgmt.models import ApiClient, User
from creditmgmt.permissions import MANAGERS
from creditmgmt.rows import (
    OneRowQuery,
    RowInsert,
    RowQuery,
    hot_cursor,
    insert_together,
    read_rows,
    read_together,
)
from creditmgmt.texts import Text

CENT = Decimal("0.01")
BUREAU_FIELDS = [
    "name",
    "address",
    "postal_code",
    "city",
    "country",
    "legal_form",
    "founded_on",
    "sector",
    "score",
    "probability_of_default",
    "rating",
    "recommended_limit",
    "currency",
    "negative_events",
    "parent_registration_number",
    "source",
    "source_name",
    "fetched_at",
]


# --- bureau files ------------------------------------------------------------


@dataclass
class BureauImportResult:
    created: int
    updated: int


def import_bureau_file(*, data: bytes, source_name: str, by: Actor) -> BureauImportResult:
    """Apply a bureau portfolio file whole (or nothing: BureauFileError lists every problem).

    A report replaces the stored one for the same registration number unless
    the stored one is newer. Set-based: one read, one bulk insert, one bulk update.
    """
    records = read_bureau_file(data, source_name=source_name)
    with transaction.atomic():
        numbers = [r.registration_number for r in records]
        existing = {
            r.registration_number: r
            for r in BureauRecord.objects.select_for_update().filter(registration_number__in=numbers)
        }
        new = [r for r in records if r.registration_number not in existing]
        changed = []
        for record in records:
            stored = existing.get(record.registration_number)
            if stored is None or stored.fetched_at > record.fetched_at:
                continue
            for name in BUREAU_FIELDS:
                setattr(stored, name, getattr(record, name))
            changed.append(stored)
        BureauRecord.objects.bulk_create(new, batch_size=1000)
        BureauRecord.objects.bulk_update(changed, BUREAU_FIELDS, batch_size=1000)
    return BureauImportResult(created=len(new), updated=len(changed))


# --- rule set versions -------------------------------------------------------


def _locked_draft(version: RuleSetVersion) -> RuleSetVersion:
    version = RuleSetVersion.objects.select_for_update().get(pk=version.pk)
    if not version.is_editable:
        raise VersionLocked(
            _("Version %(v)s is %(s)s and cannot be changed.")
            % {
                "v": version,
                "s": version.get_status_display().lower(),
            }
        )
    return version


def create_draft_version(
    *, rule_set: RuleSet, by: Actor, copy_from: RuleSetVersion | None = None
) -> RuleSetVersion:
    """A new draft of `rule_set`, empty or a copy of the rules of `copy_from` (e.g. the active one)."""
    with transaction.atomic():
        RuleSet.objects.select_for_update().get(pk=rule_set.pk)
        number = (rule_set.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        draft = RuleSetVersion.objects.create(rule_set=rule_set, number=number)
        if copy_from is not None:
            for rule in copy_from.rules.prefetch_related("conditions"):
                conditions = list(rule.conditions.all())
                rule.pk = None
                rule._state.adding = True
                rule.version = draft
                rule.save()
                for condition in conditions:
                    condition.pk = None
                    condition._state.adding = True
                    condition.rule = rule
                    condition.save()
    return draft


RULE_LIMIT_FIELDS = (
    "limit_kind",
    "limit_amount",
    "limit_share",
    "limit_cap",
    "prepayment_percent",
    "payment_terms_days",
)


def add_rule(
    *,
    version: RuleSetVersion,
    name: str,
    outcome: str,
    reason_nl: str,
    reason_en: str,
    by: Actor,
    name_nl: str = "",
    conditions: Sequence[tuple[str, str, str]] = (),
    position: int | None = None,
    **limits: Any,
) -> Rule:
    """Append a rule (or put it at `position`) to a draft; conditions are (feature, operator, value).

    `name` is English, `name_nl` Dutch (the editor asks both; blank shows the English name)."""
    allowed = set(RULE_LIMIT_FIELDS)
    if set(limits) - allowed:
        raise TypeError(f"Unknown rule fields: {sorted(set(limits) - allowed)}")
    if outcome not in Outcome.values:
        raise ValueError(outcome)
    for feature, operator, value in conditions:
        parse_value(feature=feature, operator=operator, value=value)
    with transaction.atomic():
        version = _locked_draft(version)
        if position is None:
            position = (version.rules.aggregate(p=Max("position"))["p"] or 0) + 10
        rule = Rule(
            version=version,
            position=position,
            name=name,
            name_nl=name_nl,
            outcome=outcome,
            reason_nl=reason_nl,
            reason_en=reason_en,
            **limits,
        )
        rule.full_clean(exclude=["version"])
        rule.save()
        Condition.objects.bulk_create(
            [Condition(rule=rule, feature=f, operator=o, value=v) for f, o, v in conditions]
        )
    return rule


RULE_FIELDS = ("name", "name_nl", "outcome", "reason_nl", "reason_en", *RULE_LIMIT_FIELDS)


def update_rule(
    *,
    rule: Rule,
    by: Actor,
    conditions: Sequence[tuple[str, str, str]] | None = None,
    **fields: Any,
) -> Rule:
    """Change a rule of a draft: its fields and, when given, all its conditions (replaced).

    The rule returned has `stale_values`: each condition whose value changed while the rule's
    reason (Dutch or English, as saved) still names the old value, for the editor to warn about.
    The reason is never rewritten here: only the manager knows what it should say."""
    if set(fields) - set(RULE_FIELDS):
        raise TypeError(f"Unknown rule fields: {sorted(set(fields) - set(RULE_FIELDS))}")
    if "outcome" in fields and fields["outcome"] not in Outcome.values:
        raise ValueError(fields["outcome"])
    for feature, operator, value in conditions or ():
        parse_value(feature=feature, operator=operator, value=value)
    with transaction.atomic():
        _locked_draft(rule.version)
        rule = Rule.objects.get(pk=rule.pk)
        for name, value in fields.items():
            setattr(rule, name, value)
        rule.full_clean(exclude=["version"])
        rule.save()
        stale: list[StaleValue] = []
        if conditions is not None:
            before = [(c.feature, c.operator, c.value) for c in rule.conditions.all()]
            stale = stale_values(before, conditions, [rule.reason_nl, rule.reason_en])
            Condition.objects.filter(rule=rule).delete()
            Condition.objects.bulk_create(
                [Condition(rule=rule, feature=f, operator=o, value=v) for f, o, v in conditions]
            )
    rule.stale_values = stale  # type: ignore[attr-defined]
    return rule


def delete_rule(*, rule: Rule, by: Actor) -> None:
    with transaction.atomic():
        _locked_draft(rule.version)
        Rule.objects.get(pk=rule.pk).delete()


def move_rule(*, rule: Rule, up: bool, by: Actor) -> Rule:
    """Swap a draft's rule with the one above (up) or below it; the first rule that fires decides."""
    with transaction.atomic():
        version = _locked_draft(rule.version)
        rule = Rule.objects.get(pk=rule.pk)
        neighbours = version.rules.filter(
            position__lt=rule.position if up else 32767, position__gt=-1 if up else rule.position
        ).order_by("-position" if up else "position")
        other = neighbours.first()
        if other is None:
            return rule
        mine, theirs = rule.position, other.position
        # Through a free position: (version, position) is unique.
        free = (version.rules.aggregate(p=Max("position"))["p"] or 0) + 1
        other.position = free
        other.save(update_fields=["position"])
        rule.position = theirs
        rule.save(update_fields=["position"])
        other.position = mine
        other.save(update_fields=["position"])
    return rule


def activate_version(*, version: RuleSetVersion, by: Actor) -> RuleSetVersion:
    """Make a draft the active version of its rule set; the previously active one retires."""
    with transaction.atomic():
        version = _locked_draft(version)
        if not version.rules.exists():
            raise VersionLocked(_("A version without rules cannot be activated."))
        now = timezone.now()
        for current in RuleSetVersion.objects.select_for_update().filter(
            rule_set=version.rule_set_id, status=RuleSetVersion.Status.ACTIVE
        ):
            current.status = RuleSetVersion.Status.RETIRED
            current.retired_at = now
            current.save(update_fields=["status", "retired_at"])
        version.status = RuleSetVersion.Status.ACTIVE
        version.activated_at = now
        version.activated_by = by if isinstance(by, User) else None
        version.save(update_fields=["status", "activated_at", "activated_by"])
        # Other processes see the new activation in active_version's key; this one forgets at once.
        transaction.on_commit(clear_rule_cache)
    return version


# --- decisions ---------------------------------------------------------------

SEVERITY = {Outcome.ACCEPT: 1, Outcome.ACCEPT_WITH_CONDITIONS: 2, Outcome.REFER: 3, Outcome.REJECT: 4}
BUREAU_DOWN_REASON = (
    "Het bureau is niet bereikbaar en er is geen eerder rapport: een medewerker beslist.",
    "The bureau could not be reached and no earlier report is stored: a person decides.",
)
BUREAU_STORED_REASON = (
    "Het bureau is niet bereikbaar: het bewaarde rapport van %(date)s is gebruikt.",
    "The bureau could not be reached: the stored report of %(date)s was used.",
)
NO_RULE_REASON = ("Geen regel van toepassing: een medewerker beslist.", "No rule applies: a person decides.")


def load_version(pk: int | None = None, *, rule_set: RuleSet | None = None) -> RuleSetVersion:
    """A version with its rules (in order) and conditions loaded: by pk, or the active one of
    `rule_set` (default: the rule set in use). Three queries."""
    versions = RuleSetVersion.objects.select_related("rule_set").prefetch_related(
        Prefetch("rules", queryset=Rule.objects.order_by("position").prefetch_related("conditions"))
    )
    if pk is not None:
        return versions.get(pk=pk)
    versions = versions.filter(status=RuleSetVersion.Status.ACTIVE)
    return versions.get(rule_set=rule_set) if rule_set else versions.get(rule_set__in_use=True)


# Active versions, loaded and compiled, per process. Safe because a version that left draft never
# changes (RuleSetVersion.save, Rule.save, Condition.save refuse): the key is the version's pk and
# activation time (and the rule set's names, shown in answers), read fresh on every call, so a new
# activation in any process, or a pk that SQLite reuses in tests, finds no stale entry.
_ACTIVE_VERSIONS: dict[tuple, RuleSetVersion] = {}
_ACTIVE_VERSIONS_MAX = 32


def clear_rule_cache() -> None:
    """Forget the cached active versions (activate_version does this; tests between cases)."""
    _ACTIVE_VERSIONS.clear()


# One row whatever is stored (aggregates): it reads alone or beside a decision's features.
_ACTIVE_KEY_SQL = """
SELECT COUNT(*), MIN(v.id), MIN(v.activated_at), MIN(s.name), MIN(s.name_nl)
FROM {version} v JOIN {rule_set} s ON s.id = v.rule_set_id
WHERE v.status = %s AND {where}
"""


def active_version_query(rule_set: RuleSet | None = None) -> OneRowQuery:
    """One row that names the active version of `rule_set` (default: the rule set in use), as
    `{"active_version": (count, key)}` for cached_version: read alone (active_version) or with a
    decision's features (assess)."""
    # Written out in SQL: every decision asks it, the ORM spent ~1 ms of Python building the join.
    where, param = ("v.rule_set_id = %s", rule_set.pk) if rule_set else ("s.in_use = %s", True)
    sql = _ACTIVE_KEY_SQL.format(
        version=RuleSetVersion._meta.db_table, rule_set=RuleSet._meta.db_table, where=where
    )

    def read(row: tuple) -> dict:
        count, *key = row
        # key: pk, activated_at, the rule set's names (English, Dutch)
        return {"active_version": (count, tuple(key))}

    return OneRowQuery(sql, [RuleSetVersion.Status.ACTIVE, param], 5, read)


def cached_version(found: tuple[int, tuple]) -> RuleSetVersion:
    """The version that active_version_query found, rules and conditions loaded and compiled
    (`compiled_rules`): from the per-process cache, else three queries."""
    count, key = found
    # DoesNotExist as from load_version: no rule set in use, or no active version.
    if not count:
        raise RuleSetVersion.DoesNotExist("No active rule set version in use.")
    if count > 1:
        raise RuleSetVersion.MultipleObjectsReturned("More than one active version.")
    version = _ACTIVE_VERSIONS.get(key)  # SQLite gives activated_at as text: the key is as read
    if version is None:
        version = load_version(key[0])
        version.compiled_rules = compile_rules(list(version.rules.all()))  # type: ignore[attr-defined]
        if len(_ACTIVE_VERSIONS) >= _ACTIVE_VERSIONS_MAX:
            _ACTIVE_VERSIONS.clear()
        _ACTIVE_VERSIONS[key] = version
    return version


def active_version(rule_set: RuleSet | None = None) -> RuleSetVersion:
    """The active version of `rule_set` (default: the rule set in use), rules and conditions loaded
    and compiled (`compiled_rules`).

    One query that names the active version; its rules come from the per-process cache (three
    queries the first time a process meets that version).
    """
    (answer,) = read_together([active_version_query(rule_set)])
    return cached_version(answer["active_version"])


def _limit_of(rule: Rule, report_limit: Decimal | None) -> Decimal:
    if rule.limit_kind == Rule.LimitKind.FIXED:
        return rule.limit_amount or ZERO
    if rule.limit_kind == Rule.LimitKind.SHARE:
        if not report_limit:
            return ZERO
        limit = (report_limit * (rule.limit_share or ZERO) / 100).quantize(CENT, rounding=ROUND_DOWN)
        return min(limit, rule.limit_cap) if rule.limit_cap is not None else limit
    return ZERO


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value


@dataclass
class Conclusion:
    """What a version's rules conclude for one set of features (nothing stored)."""

    evaluations: list[dict]
    outcome: str
    limit: Decimal
    available: Decimal
    prepayment_percent: Decimal | None
    payment_terms_days: int | None
    reasons_nl: list[str]
    reasons_en: list[str]

    def reasons(self, language: str) -> list[str]:
        return self.reasons_nl if language == "nl" else self.reasons_en

    @property
    def outcome_label(self) -> str:
        return Outcome(self.outcome).label


def conclude(
    *,
    rules: list[Rule],
    compiled: list | None,
    features: dict[str, Any],
    customer_limit: Decimal = ZERO,
    explain: bool = True,
) -> Conclusion:
    """Run `rules` (compiled once by the caller when it runs them many times) over `features`.

    The first rule that fires decides the outcome, limit and conditions; for
    reject and refer the reasons of every fired rule with that outcome are
    given. No rule firing refers to a person. The limit never exceeds a limit a
    person set on the customer (`customer_limit`, 0 = not set); available =
    limit - exposure. No queries.
    """
    compiled = compiled if compiled is not None else compile_rules(rules)
    if explain:
        evaluations = evaluate(compiled, features)
        flags = [result["fired"] for result in evaluations]
    else:  # the simulation: outcome and reasons only
        evaluations, flags = [], fired_rules(compiled, features)
    fired = [rule for rule, flag in zip(rules, flags, strict=True) if flag]
    if fired:
        first = fired[0]
        outcome = first.outcome
        deciding = [first]
        if outcome in (Outcome.REJECT, Outcome.REFER):
            deciding = [rule for rule in fired if rule.outcome == outcome]
        for result in evaluations:
            result["decisive"] = result["position"] in {rule.position for rule in deciding}
        reasons_nl = [rule.reason_nl for rule in deciding]
        reasons_en = [rule.reason_en for rule in deciding]
        report_limit = features.get("recommended_limit")
        limit = _limit_of(first, Decimal(str(report_limit)) if report_limit is not None else None)
        prepayment, terms = first.prepayment_percent, first.payment_terms_days
    else:
        outcome, limit, prepayment, terms = Outcome.REFER, ZERO, None, None
        reasons_nl, reasons_en = [NO_RULE_REASON[0]], [NO_RULE_REASON[1]]
    if outcome in (Outcome.REFER, Outcome.REJECT):
        limit = ZERO
    if customer_limit > 0:
        limit = min(limit, customer_limit)
    exposure = features.get("exposure")
    available = max(limit - (Decimal(str(exposure)) if exposure is not None else ZERO), ZERO)
    return Conclusion(
        evaluations=evaluations,
        outcome=outcome,
        limit=limit,
        available=available,
        prepayment_percent=prepayment,
        payment_terms_days=terms,
        reasons_nl=reasons_nl,
        reasons_en=reasons_en,
    )


def bureau_report(
    registration_number: str, *, provider: BureauProvider | None = None, stored: Any = NOT_READ
) -> tuple[BureauReport | None, bool]:
    """The company's report from the provider, and whether the bureau could not be reached.

    When it cannot, the stored report, however old, is better than none (None when there is none).
    `stored`: the company's BureauRecord (or None) when the caller read it already.
    """
    # Passed on only when read: a provider of a test or another bureau need not know `stored`.
    given = {} if stored is NOT_READ else {"stored": stored}
    try:
        return (provider or get_provider()).fetch(registration_number, **given), False
    except BureauUnavailable:
        return LocalBureauProvider().fetch(registration_number, **given), True


def apply_bureau_unavailable(result: Conclusion, report: BureauReport | None) -> None:
    """Say that the stored report was used; with no report at all, a person decides."""
    if report is None:
        # No report at all while the bureau is down: nobody can judge this on our data alone.
        result.outcome, result.limit, result.available = Outcome.REFER, ZERO, ZERO
        result.prepayment_percent = result.payment_terms_days = None
        result.reasons_nl, result.reasons_en = [BUREAU_DOWN_REASON[0]], [BUREAU_DOWN_REASON[1]]
        for evaluation in result.evaluations:
            evaluation["decisive"] = False
        return
    day = timezone.localtime(report.fetched_at).date().strftime("%d-%m-%Y")
    result.reasons_nl = [*result.reasons_nl, BUREAU_STORED_REASON[0] % {"date": day}]
    result.reasons_en = [*result.reasons_en, BUREAU_STORED_REASON[1] % {"date": day}]


@dataclass
class Assessment:
    """A request assessed by a version: the report, the features and the conclusion. Not stored."""

    version: RuleSetVersion
    report: BureauReport | None
    features: dict[str, Any]
    conclusion: Conclusion
    customer: Customer | None = None
    registration_number: str = ""

    @property
    def currency(self) -> str:
        """The customer's currency; for a prospect the bureau report's (the decision's currency)."""
        if self.customer is not None:
            return self.customer.currency
        return self.report.currency if self.report is not None else "EUR"


def assess(
    *,
    version: RuleSetVersion | None,
    channel: str,
    customer: Customer | None = None,
    registration_number: str = "",
    amount: Decimal | None = None,
    provider: BureauProvider | None = None,
    today: date | None = None,
    bureau: tuple[BureauReport | None, bool] | None = None,
    rule_set: RuleSet | None = None,
    also: Sequence[OneRowQuery] = (),
) -> Assessment:
    """What `version` (rules loaded, see load_version) concludes for a company, without storing
    anything: decide() stores it, the rule-set editor's test shows it. Version None: the active
    version of `rule_set` (default: the rule set in use), named in the features' statement.
    `also`: the caller's one-row queries for that statement (their values land in the features)."""
    now = timezone.now()
    today = today or timezone.localdate()
    registration_number = registration_number or (customer.kvk_number if customer else "")
    # `bureau`: what bureau_report() answered already (decide_order asks before its transaction).
    report, bureau_unavailable = bureau or bureau_report(registration_number, provider=provider)
    features = compute_features(
        customer=customer, report=report, amount=amount, channel=channel, today=today, now=now,
        also=[*also, *([] if version is not None else [active_version_query(rule_set)])],
    )  # fmt: skip
    if version is None:
        version = cached_version(features.pop("active_version"))
    features["bureau_unavailable"] = bureau_unavailable
    rules = list(version.rules.all())
    conclusion = conclude(
        rules=rules,
        compiled=getattr(version, "compiled_rules", None),  # active_version compiles once per process
        features=features,
        customer_limit=(features.get("credit_limit") or ZERO) if customer is not None else ZERO,
    )
    if bureau_unavailable:
        apply_bureau_unavailable(conclusion, report)
    return Assessment(
        version=version,
        report=report,
        features=features,
        conclusion=conclusion,
        customer=customer,
        registration_number=registration_number,
    )


BREACH_REFER = (
    "Het bedrag is hoger dan het beschikbare krediet: een medewerker beslist.",
    "The amount is more than the available credit: a person decides.",
)
BREACH_WARN = (
    "Let op: het bedrag is hoger dan het beschikbare krediet van %(available)s.",
    "Note: the amount is more than the available credit of %(available)s.",
)


def apply_checkpoint(
    result: Conclusion,
    *,
    amount: Decimal | None,
    checkpoint: str,
    on_breach: str | None = None,
    currency: str = "EUR",
) -> bool:
    """Whether the request breaches the available credit, and what the checkpoint's policy makes of it.

    A breach: an accepting answer with a requested amount above the available
    credit (without prepayment). *Block* refers it to a person (limit 0), *warn* adds a reason
    (the available credit in `currency`, written as each language writes money),
    *ignore* leaves the answer. One query, only when there is a breach and the caller did not
    give the checkpoint's policy (`on_breach`, the simulation reads them all at once).
    """
    if amount is None or result.outcome not in (Outcome.ACCEPT, Outcome.ACCEPT_WITH_CONDITIONS):
        return False
    if result.prepayment_percent:
        return False  # the rules already ask for money up front: no delivery purely on account
    if amount <= result.available:
        return False
    if on_breach is None:
        on_breach = checkpoint_policies(checkpoint)[checkpoint]
    if on_breach == Checkpoint.OnBreach.BLOCK:
        result.outcome, result.limit, result.available = Outcome.REFER, ZERO, ZERO
        result.prepayment_percent = result.payment_terms_days = None
        result.reasons_nl, result.reasons_en = [BREACH_REFER[0]], [BREACH_REFER[1]]
    elif on_breach == Checkpoint.OnBreach.WARN:
        nl, en = (texts.money_in(language, result.available, currency) for language in ("nl", "en"))
        result.reasons_nl = [*result.reasons_nl, BREACH_WARN[0] % {"available": nl}]
        result.reasons_en = [*result.reasons_en, BREACH_WARN[1] % {"available": en}]
    return True


def checkpoint_policies(code: str | None = None) -> defaultdict[str, str]:
    """What a breach does at each checkpoint (`on_breach` by code; only `code`'s when given); a
    checkpoint without a policy blocks. The simulation reads them all once for many requests."""
    # Written out: a decide() of an order above the available credit asks this (it is common).
    sql, params = f"SELECT code, on_breach FROM {Checkpoint._meta.db_table}", []
    if code is not None:
        sql, params = sql + " WHERE code = %s", [code]
    with hot_cursor() as cursor:
        cursor.execute(sql, params)
        return defaultdict(lambda: Checkpoint.OnBreach.BLOCK, cursor.fetchall())


_DECISION_INSERT = RowInsert(Decision)


def new_decision(
    assessment: Assessment,
    *,
    by: Actor,
    channel: str,
    amount: Decimal | None,
    checkpoint: str,
    breach: bool,
    latency: Decimal,
    company_name: str = "",
) -> Decision:
    """The Decision (unsaved) that keeps an assessment: its request, feature snapshot, every rule
    evaluated, the answer and its reasons. The company is named by the customer, else the bureau
    report, else `company_name` (what the requester typed), else its registration number."""
    customer, report, result = assessment.customer, assessment.report, assessment.conclusion
    user = by if isinstance(by, User) else None
    registration_number = assessment.registration_number
    if customer is not None:
        company_name = customer.name
    elif report is not None and report.name:
        company_name = report.name
    else:
        company_name = " ".join(company_name.split())[:200] or registration_number
    return Decision(
        customer=customer,
        registration_number=registration_number,
        company_name=company_name,
        version=assessment.version,
        channel=channel,
        requester=user,
        requester_label="" if user else str(by)[:100],
        requested_amount=amount,
        currency=assessment.currency,
        features={k: _jsonable(v) for k, v in assessment.features.items()},
        evaluations=[
            {**r, "conditions": [{**c, "actual": _jsonable(c["actual"])} for c in r["conditions"]]}
            for r in result.evaluations
        ],
        outcome=result.outcome,
        limit=result.limit,
        available=result.available,
        prepayment_percent=result.prepayment_percent,
        payment_terms_days=result.payment_terms_days,
        reasons_nl=result.reasons_nl,
        reasons_en=result.reasons_en,
        latency_ms=latency,
        checkpoint=checkpoint,
        breach=breach,
    )


def decide(
    *,
    by: Actor,
    channel: str,
    customer: Customer | None = None,
    registration_number: str = "",
    amount: Decimal | None = None,
    rule_set: RuleSet | None = None,
    provider: BureauProvider | None = None,
    today: date | None = None,
    checkpoint: str | None = None,
    bureau: tuple[BureauReport | None, bool] | None = None,
    started: float | None = None,
    events: list[Event] | None = None,
    company_name: str = "",
    prospect: Callable[[], Customer] | None = None,
) -> Decision:
    """Decide whether `customer` (or a prospect by registration number) may buy on account.

    The rules of the active version are evaluated in order (see `conclude`) and
    the answer is kept as a Decision with its feature snapshot. `bureau` is the
    bureau_report() answer when the caller asked already, and `started` its
    time.perf_counter() then, so the latency kept counts the bureau call. `events`
    collects the decision's timeline event unsaved, for a caller that writes its
    events in one INSERT before its transaction ends (decide_order). `company_name` is
    the name the requester gave for a prospect; it names the decision only when there is
    no customer and the bureau does not know the company (else its registration number would).
    `prospect` (a credit application's) creates the customer record of a company that is not a
    customer yet when the decision is referred, in the decision's transaction: the decision then
    belongs to it and gets the review task. The features stay those of a company without one.

    A fixed number of queries: bureau report 1 (unless given); one statement (read_together)
    for the ledger, the group exposure with reservations, dunning's features, the active
    version (its rules are cached per process), the checkpoint's breach policy and whether an
    open review task exists; then the decision and its Event (and when referred without an
    open review, a new review Task).
    """
    if channel not in Channel.values:
        raise ValueError(f"Unknown channel {channel!r}")
    started = started if started is not None else time.perf_counter()
    today = today or timezone.localdate()
    registration_number = registration_number or (customer.kvk_number if customer else "")
    checkpoint = checkpoint or (
        Checkpoint.Code.DELIVERY if channel == Channel.COUNTER else Checkpoint.Code.ORDER
    )
    assessment = assess(
        version=None,
        rule_set=rule_set,
        channel=channel,
        customer=customer,
        registration_number=registration_number,
        amount=amount,
        provider=provider,
        today=today,
        bureau=bureau,
        also=[_policy_and_review_query(checkpoint, customer.pk if customer else None)],
    )
    # Not features: taken out before the snapshot is kept.
    on_breach = assessment.features.pop("on_breach")
    open_review = assessment.features.pop("open_review")
    result = assessment.conclusion
    breach = apply_checkpoint(
        result, amount=amount, checkpoint=checkpoint, on_breach=on_breach, currency=assessment.currency
    )
    latency = Decimal(str(round((time.perf_counter() - started) * 1000, 2)))
    decision = new_decision(
        assessment,
        by=by,
        channel=channel,
        amount=amount,
        checkpoint=checkpoint,
        breach=breach,
        latency=latency,
        company_name=company_name,
    )
    # No savepoint inside a caller's transaction (decide_order): an error there undoes it all anyway.
    with transaction.atomic(savepoint=False):
        if customer is None and prospect is not None and decision.outcome == Outcome.REFER:
            customer = decision.customer = prospect()  # new: no open review task yet
            open_review = False
        # Decision.save() only refuses updates; the INSERT is written once (creditmgmt.rows).
        _DECISION_INSERT.save(decision)
        if customer is not None:
            _record_decision(
                decision=decision,
                customer=customer,
                by=by,
                today=today,
                events=events,
                open_review=open_review,
            )
    return decision


def decision_reasons(decision: Decision) -> dict:
    """The rules give their reasons in both languages: the reader sees theirs."""
    return texts.in_languages(nl=" ".join(decision.reasons_nl), en=" ".join(decision.reasons_en))


def decision_event(decision: Decision, *, by: Actor) -> Event:
    """The customer's timeline event of a decision (unsaved)."""
    return build_event(
        customer=decision.customer,
        kind=Event.Kind.DECISION,
        verb=decision.outcome,
        summary=Text(
            gettext_noop("Credit decision (%(channel)s): %(outcome)s, limit %(limit)s. %(reasons)s"),
            # The enums, not get_FOO_display(): that builds a dict of the choices on every call.
            channel=Channel(decision.channel),
            outcome=Outcome(decision.outcome),
            limit=texts.money(decision.limit, decision.currency),
            reasons=decision_reasons(decision),
        ),
        by=by,
        target=decision,
        data={"decision": decision.pk, "outcome": decision.outcome, "limit": str(decision.limit)},
    )


# Read in the features' statement (assess's `also`), for every decision, rather than in statements
# of their own when an order breaches the available credit or is referred (a third of them): the
# checkpoint's policy (none stored: block) and whether the customer has an open review task.
# Task.objects.open() is status = open (tests/acceptance/test_decide.py holds both to one answer).
_POLICY_AND_REVIEW_SQL = (
    "SELECT (SELECT on_breach FROM {checkpoint} WHERE code = %s), "
    "EXISTS (SELECT 1 FROM {task} WHERE customer_id = %s AND kind = %s AND status = %s)"
)


def _policy_and_review_query(checkpoint: str, customer_id: int | None) -> OneRowQuery:
    sql = _POLICY_AND_REVIEW_SQL.format(checkpoint=Checkpoint._meta.db_table, task=Task._meta.db_table)

    def read(row: tuple) -> dict:
        return {"on_breach": row[0] or Checkpoint.OnBreach.BLOCK, "open_review": bool(row[1])}

    return OneRowQuery(sql, [checkpoint, customer_id, Task.Kind.REVIEW, Task.Status.OPEN], 2, read)


def _record_decision(
    *,
    decision: Decision,
    customer: Customer,
    by: Actor,
    today: date,
    events: list[Event] | None,
    open_review: bool,
) -> None:
    event = decision_event(decision, by=by)
    if events is None:
        event.save(force_insert=True)
    else:
        events.append(event)
    # One open review per customer: a clerk who looks the customer up again adds no second task.
    if decision.outcome != Outcome.REFER:
        return
    if not open_review:
        create_task(
            customer=customer,
            title=Text(
                gettext_noop("Review credit decision: %(reasons)s"), reasons=decision_reasons(decision)
            ),
            due_date=today,
            by=by,
            kind=Task.Kind.REVIEW,
            priority=Task.Priority.HIGH,
            events=events,
        )


OVERRIDE_OUTCOMES = (Outcome.ACCEPT, Outcome.REJECT)


def override_decision(*, decision: Decision, outcome: str, limit: Decimal, reason: str, by: User) -> Decision:
    """A manager's answer to a referred decision: a new decision that points at it.

    The original stays as it was (decisions are append-only); the new one has
    the same request, features and rule set version, the manager's outcome,
    limit and reason, and closes the open review task of the customer. Accepting
    a referred credit application (channel sales) of a prospect completes it: the
    prospect becomes an active customer with the limit (`accept_application`).
    """
    if not by.has_role(*MANAGERS):
        raise ValidationError(_("Only a credit manager can override a decision."))
    if outcome not in OVERRIDE_OUTCOMES:
        raise ValidationError(_("Override with accept or reject."))
    if not reason.strip():
        raise ValidationError(_("Say why you override the decision."))
    if limit < 0 or (outcome == Outcome.REJECT and limit):
        raise ValidationError(_("The limit is zero or more, and zero for a rejection."))
    with transaction.atomic():
        original = (
            Decision.objects.select_for_update(of=("self",)).select_related("customer").get(pk=decision.pk)
        )
        if original.outcome != Outcome.REFER:
            raise ValidationError(_("Only a referred decision can be overridden."))
        if Decision.objects.filter(overrides=original).exists():
            raise ValidationError(_("This decision has already been overridden."))
        customer = original.customer
        if customer is not None and customer.credit_limit > 0:
            limit = min(limit, customer.credit_limit)
        exposure = Decimal(original.features.get("exposure") or "0")
        reason = reason.strip()
        new = Decision.objects.create(
            customer=customer,
            registration_number=original.registration_number,
            company_name=original.company_name,
            version_id=original.version_id,
            channel=original.channel,
            requester=by,
            requested_amount=original.requested_amount,
            currency=original.currency,
            features=original.features,
            evaluations=original.evaluations,
            outcome=outcome,
            limit=limit,
            available=max(limit - exposure, ZERO),
            reasons_nl=[reason],
            reasons_en=[reason],
            overrides=original,
            override_reason=reason,
        )
        if customer is not None:
            record_event(
                customer=customer,
                kind=Event.Kind.DECISION,
                verb="overridden",
                summary=Text(
                    gettext_noop("Referred decision overridden: %(outcome)s, limit %(limit)s. %(reason)s"),
                    outcome=Outcome(new.outcome),
                    limit=texts.money(new.limit, new.currency),
                    reason=reason,
                ),
                by=by,
                target=new,
                data={
                    "decision": new.pk,
                    "overrides": original.pk,
                    "outcome": outcome,
                    "limit": str(new.limit),
                },
            )
            if (
                outcome == Outcome.ACCEPT
                and customer.status == Customer.Status.PROSPECT
                and original.channel == Channel.SALES
            ):
                # A referred credit application (the sales channel's): accepted, the prospect
                # becomes a customer as an accepted application makes one.
                from acceptance.applications import accept_application  # it imports decide from here

                customer = accept_application(decision=new, customer=customer, by=by)
            for task in Task.objects.open().filter(customer=customer, kind=Task.Kind.REVIEW):
                complete_task(task=task, outcome=Task.Outcome.RESOLVED, by=by, note=reason)
    return new


def refresh_interval() -> timedelta:
    """How old a bureau report may be before a provider asks the bureau again (cache TTL)."""
    return timedelta(days=getattr(settings, "ACCEPTANCE_BUREAU_TTL_DAYS", 30))


def report_is_fresh(report: BureauReport, *, now: datetime | None = None) -> bool:
    return report.is_fresh(now=now or timezone.now(), ttl=refresh_interval())


# --- the decision API ----------------------------------------------------------


class OrderReferenceReused(ValidationError):
    """The order reference was already asked with another question (customer, amount, ...)."""


def request_fingerprint(**question: Any) -> str:
    """A stable hash of what was asked, to tell a repeated request from a different one."""
    values = {key: None if value is None else str(value) for key, value in question.items()}
    canonical = json.dumps(values, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


# Hand-written lookups (creditmgmt.rows): every API decision asks these, the ORM spent ~1 ms of
# Python building each.
_REQUEST_BY_REFERENCE = RowQuery(ApiDecisionRequest, "client_id = %s AND order_reference = %s")
_CUSTOMER_LOCKED = RowQuery(Customer, "id = %s", for_update=True)
_REQUEST_INSERT = RowInsert(ApiDecisionRequest)
_EVENT_INSERT = RowInsert(Event)


# The customer, the order reference and the customer's bureau report, read in one statement.
_CUSTOMER_BY_NUMBER = RowQuery(Customer, "number = %s")
_RECORD_OF_CUSTOMER = RowQuery(
    BureauRecord,
    f"registration_number = (SELECT kvk_number FROM {Customer._meta.db_table} WHERE number = %s)",
)


@dataclass(frozen=True)
class OrderRows:
    """What an order by customer number needs read before its decision (read_order)."""

    customer: Customer | None
    stored: ApiDecisionRequest | None  # this order reference's request, when asked before
    record: BureauRecord | None  # the customer's stored bureau report


def read_order(*, client: ApiClient, order_reference: str, customer_number: str) -> OrderRows:
    """The customer by number, the request stored for the order reference and the customer's stored
    bureau record, in one statement (each alone cost a statement of every API decision)."""
    customer, stored, record = read_rows(
        [
            (_CUSTOMER_BY_NUMBER, [customer_number]),
            (_REQUEST_BY_REFERENCE, [client.pk, order_reference]),
            (_RECORD_OF_CUSTOMER, [customer_number]),
        ]
    )
    return OrderRows(customer=customer, stored=stored, record=record)


def _stored_request(client: ApiClient, order_reference: str) -> ApiDecisionRequest | None:
    """The request stored for this order reference: one table by its unique index, since every new
    order asks this (joining the decision here cost ~5 ms of planning); _replay reads the decision."""
    return _REQUEST_BY_REFERENCE.get([client.pk, order_reference])


def _replay(stored: ApiDecisionRequest, fingerprint: str) -> Decision:
    if stored.fingerprint != fingerprint:
        raise OrderReferenceReused(
            _("Order reference %(ref)s was already used for another request.")
            % {"ref": stored.order_reference}
        )
    return Decision.objects.select_related("customer", "version__rule_set").get(pk=stored.decision_id)


def decide_order(
    *,
    client: ApiClient,
    order_reference: str,
    channel: str,
    amount: Decimal,
    currency: str,
    customer: Customer | None = None,
    registration_number: str = "",
    read: OrderRows | None = None,
) -> tuple[Decision, bool]:
    """An API client's decision for an order, once per order reference: (decision, made now?).

    The same reference with the same question answers with the stored decision
    (False); with another question it raises OrderReferenceReused. Two calls
    with one reference at the same moment: the unique constraint lets one
    write, the other reads what it wrote. The actor is "api: <client name>".
    `read`: read_order()'s rows for this order, when the caller has them (then `customer` is
    theirs); else the order reference and the bureau report are read here.
    """
    fingerprint = request_fingerprint(
        customer=customer.number if customer else None,
        registration_number=registration_number or None,
        amount=amount.quantize(CENT),
        currency=currency,
        channel=channel,
    )
    stored = read.stored if read is not None else _stored_request(client, order_reference)
    if stored is not None:
        return _replay(stored, fingerprint), False
    # The bureau (an HTTP call with the HTTP provider) is asked before the transaction opens, so a
    # slow bureau never holds the customer's lock.
    started = time.perf_counter()
    events: list[Event] = []
    bureau = bureau_report(
        registration_number or (customer.kvk_number if customer else ""),
        stored=read.record if read is not None else NOT_READ,
    )
    try:
        with transaction.atomic():
            if customer is not None:
                # Locked (and read again) before the exposure is read: two orders of one customer at
                # the same moment are decided one after the other, the second counting the first
                # one's reservation and seeing the limit as it is now.
                customer = _CUSTOMER_LOCKED.get([customer.pk])
            decision = decide(
                by=client.actor,
                channel=channel,
                customer=customer,
                registration_number=registration_number,
                amount=amount,
                checkpoint=Checkpoint.Code.ORDER,
                bureau=bureau,
                started=started,
                events=events,
            )
            request = ApiDecisionRequest(
                client=client, order_reference=order_reference, fingerprint=fingerprint, decision=decision
            )
            if customer is not None and decision.outcome in (Outcome.ACCEPT, Outcome.ACCEPT_WITH_CONDITIONS):
                # The accepted order counts in the exposure until it is invoiced or expires.
                from acceptance.limits import reserve

                reserve(
                    customer=customer, order_reference=order_reference, amount=amount,
                    by=client.actor, decision=decision, customer_locked=True, events=events,
                )  # fmt: skip
            # The request row (whose unique order reference a second call at the same moment waits
            # on, then fails: see the except) and the decision's and the reservation's timeline events
            # in one statement on PostgreSQL.
            insert_together([(_REQUEST_INSERT, [request]), (_EVENT_INSERT, events)])
    except IntegrityError:
        stored = _stored_request(client, order_reference)
        if stored is None:
            raise
        return _replay(stored, fingerprint), False
    return decision, True
