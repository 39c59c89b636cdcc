"""Rules read in the reader's language: their names, the money in their reasons, and a reason that
still names a condition's old value after the condition changed."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from acceptance.models import Channel, Outcome, Rule, RuleSet
from acceptance.services import active_version, add_rule, create_draft_version, decide, load_version
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "rules"}


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def in_language(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def medium_v1():
    return load_version(rule_set=RuleSet.objects.get(code="medium"))


# --- names -------------------------------------------------------------------


def test_every_shipped_rule_has_a_dutch_name():
    shipped = Rule.objects.filter(version__number=1, version__rule_set__code__in=["low", "medium", "high"])
    assert shipped.count() == 36
    assert not shipped.filter(name_nl="").exists()
    names = dict(shipped.filter(version__rule_set__code="medium").values_list("name", "name_nl"))
    assert names["Score too low"] == "Score te laag"
    assert names["Otherwise"] == "Anders"


def test_the_editor_names_the_rules_in_the_readers_language(manager_client, medium_v1):
    url = reverse("acceptance:version_detail", args=[medium_v1.pk])
    dutch = in_language(manager_client, "nl").get(url).text
    assert "<td>Score te laag</td>" in dutch and "<td>Leverstop</td>" in dutch
    assert "Score too low" not in dutch and "Delivery block" not in dutch
    english = in_language(manager_client, "en").get(url).text
    assert "<td>Score too low</td>" in english and "Score te laag" not in english


def test_the_decision_log_names_the_evaluated_rules_in_the_readers_language(
    manager_client, bureau, django_assert_num_queries
):
    """A decision keeps the English names with its evaluated rules (decisions made before the rules
    had Dutch names, too); the log reads the names off the version the decision used."""
    customer = CustomerFactory()
    bureau(customer.kvk_number, score=10)
    decision = decide(by="test", channel=Channel.API, customer=customer)
    assert "name_nl" not in decision.evaluations[0]
    url = reverse("acceptance:decision_list")
    with django_assert_num_queries(5):  # session, user, count, page, the versions' rule names
        dutch = in_language(manager_client, "nl").get(url).text
    assert "<td>Score te laag</td>" in dutch and "<td>Negatieve melding</td>" in dutch
    assert "Score too low" not in dutch
    assert "<td>Score too low</td>" in in_language(manager_client, "en").get(url).text


def test_the_rule_test_names_the_rules_in_the_readers_language(manager_client, bureau, medium_v1):
    customer = CustomerFactory()
    bureau(customer.kvk_number, score=10)
    url = reverse("acceptance:version_test", args=[medium_v1.pk])
    query = {"company": customer.number, "channel": "counter"}
    dutch = in_language(manager_client, "nl").get(url, query).text
    assert "<td>Score te laag</td>" in dutch and "Score too low" not in dutch
    assert "<td>Score too low</td>" in in_language(manager_client, "en").get(url, query).text


def test_a_draft_copied_from_a_shipped_version_keeps_both_names(medium_v1):
    draft = create_draft_version(rule_set=medium_v1.rule_set, by="test", copy_from=medium_v1)
    rule = draft.rules.get(name="Score too low")
    assert (rule.name_in("nl"), rule.name_in("en")) == ("Score te laag", "Score too low")


def test_a_rule_without_a_dutch_name_shows_its_english_one():
    draft = create_draft_version(rule_set=RuleSet.objects.get(code="low"), by="test")
    rule = add_rule(
        version=draft, name="Big order", outcome=Outcome.REFER, reason_nl="x", reason_en="x", by="t"
    )
    assert (rule.name_in("nl"), rule.name_in("en")) == ("Big order", "Big order")


def rule_post(rule: Rule, **changes) -> dict:
    prefix = f"rule{rule.pk}"
    conditions = list(rule.conditions.all())
    data = {
        f"{prefix}-name": rule.name,
        f"{prefix}-name_nl": rule.name_nl,
        f"{prefix}-outcome": rule.outcome,
        f"{prefix}-limit_kind": rule.limit_kind,
        f"{prefix}-reason_en": rule.reason_en,
        f"{prefix}-reason_nl": rule.reason_nl,
        f"{prefix}c-TOTAL_FORMS": str(len(conditions)),
        f"{prefix}c-INITIAL_FORMS": "0",
    }
    for index, condition in enumerate(conditions):
        data[f"{prefix}c-{index}-feature"] = condition.feature
        data[f"{prefix}c-{index}-operator"] = condition.operator
        data[f"{prefix}c-{index}-value"] = condition.value
    data.update({f"{prefix}{key}": value for key, value in changes.items()})
    return data


def test_the_editor_asks_the_name_in_both_languages(manager_client, medium_v1):
    draft = create_draft_version(rule_set=medium_v1.rule_set, by="test", copy_from=medium_v1)
    rule = draft.rules.get(name="Score too low")
    url = reverse("acceptance:rule_edit", args=[rule.pk])
    page = in_language(manager_client, "en").get(reverse("acceptance:version_detail", args=[draft.pk])).text
    assert f'name="rule{rule.pk}-name_nl"' in page and "Name (Dutch)" in page
    response = manager_client.post(url, rule_post(rule, **{"-name_nl": ""}), **HTMX)
    assert "This field is required." in response.text
    rule.refresh_from_db()
    assert rule.name_nl == "Score te laag"
    manager_client.post(url, rule_post(rule, **{"-name_nl": "Bureauscore te laag"}), **HTMX)
    rule.refresh_from_db()
    assert rule.name_nl == "Bureauscore te laag"
    dutch = in_language(manager_client, "nl").get(reverse("acceptance:version_detail", args=[draft.pk])).text
    assert "<td>Bureauscore te laag</td>" in dutch


def test_shipped_rule_sets_are_named_in_each_language_not_both_at_once():
    names = {rs.code: (rs.name, rs.name_nl) for rs in RuleSet.objects.all()}
    assert names == {
        "low": ("Cautious", "Voorzichtig"),
        "medium": ("Balanced", "Gemiddeld"),
        "high": ("Growth", "Groei"),
    }
    medium = RuleSet.objects.get(code="medium")
    with translation.override("nl"):
        assert str(medium) == "Gemiddeld" and str(medium.versions.get()) == "Gemiddeld v1"
    with translation.override("en"):
        assert str(medium) == "Balanced"


def test_the_pages_name_the_rule_set_in_the_readers_language(manager_client, bureau, medium_v1):
    customer = CustomerFactory()
    bureau(customer.kvk_number)
    decide(by="test", channel=Channel.API, customer=customer)
    for url in (
        reverse("acceptance:rule_set_list"),
        reverse("acceptance:version_detail", args=[medium_v1.pk]),
        reverse("acceptance:decision_list"),
    ):
        dutch = in_language(manager_client, "nl").get(url).text
        assert "Gemiddeld" in dutch and "Balanced" not in dutch, url
        english = in_language(manager_client, "en").get(url).text
        assert "Balanced" in english and "Gemiddeld" not in english, url


def test_a_renamed_rule_set_is_not_named_from_the_cache():
    """The active version is cached per process with its rule set: the key holds both names."""
    with translation.override("nl"):
        assert str(active_version()) == "Gemiddeld v1"
        RuleSet.objects.filter(code="medium").update(name_nl="Middenweg")
        assert str(active_version()) == "Middenweg v1"


def test_the_api_names_the_rule_set_in_the_requests_language(client, bureau):
    from creditmgmt.models import ApiClient
    from creditmgmt.services import create_api_client

    key = create_api_client(name="webshop", scopes=[ApiClient.Scope.DECIDE])[1]
    customer = CustomerFactory(number="C-1001")
    bureau(customer.kvk_number)
    for reference, language, name in [("WS-1", "nl", "Gemiddeld v1"), ("WS-2", "en", "Balanced v1")]:
        response = client.post(
            "/api/v1/acceptance/decisions",
            {"order_reference": reference, "customer_number": "C-1001", "amount": "10", "currency": "EUR"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {key}", "Accept-Language": language},
        )
        assert response.status_code == 201, response.content
        assert response.json()["rule_set"] == name


# --- money in reasons ----------------------------------------------------------


def test_shipped_reasons_write_money_as_the_pages_do():
    rules = Rule.objects.filter(version__rule_set__code="medium")
    assert not rules.filter(reason_nl__contains="EUR").exists()
    assert not rules.filter(reason_en__contains="EUR").exists()
    good = rules.get(name="Good score")
    assert good.reason_nl == "Goede bureauscore: 75% van de geadviseerde limiet, hoogstens €\xa050.000,00."
    assert good.reason_en == "Good bureau score: 75% of the recommended limit, at most €50,000.00."
    overdue = rules.get(name="Overdue: prepayment")
    assert overdue.reason_nl.startswith("Meer dan €\xa05.000,00 langer dan 30 dagen")
    assert overdue.reason_en.startswith("More than €5,000.00 overdue")


def test_a_decision_page_writes_money_one_way_in_each_language(manager_client, bureau):
    customer = CustomerFactory(credit_limit=D("0"))
    bureau(customer.kvk_number, score=30)  # fair score: the standard limit of 2,500
    decide(by="test", channel=Channel.API, customer=customer)
    url = reverse("acceptance:decision_list")
    dutch = in_language(manager_client, "nl").get(url).text
    assert "Voldoende bureauscore: standaardlimiet €\xa02.500,00." in dutch
    assert '<td class="num">€\xa02.500,00</td>' in dutch  # the limit beside it
    assert "EUR" not in dutch
    english = in_language(manager_client, "en").get(url).text
    assert "Fair bureau score: standard limit €2,500.00." in english
    assert '<td class="num">€2,500.00</td>' in english


@pytest.mark.parametrize(
    ("currency", "nl", "en"),
    [("EUR", "€\xa06.000,00", "€6,000.00"), ("USD", "US$\xa06.000,00", "US$6,000.00")],
)
def test_the_over_the_available_credit_warning_writes_money_per_language(bureau, currency, nl, en):
    from acceptance.models import Checkpoint

    Checkpoint.objects.filter(code="order").update(on_breach="warn")
    customer = CustomerFactory(credit_limit=D("6000.00"), currency=currency)
    bureau(customer.kvk_number)
    decision = decide(by="t", channel=Channel.API, customer=customer, amount=D("7000"), checkpoint="order")
    assert decision.reasons_nl[-1] == f"Let op: het bedrag is hoger dan het beschikbare krediet van {nl}."
    assert decision.reasons_en[-1] == f"Note: the amount is more than the available credit of {en}."


# --- a reason that names a condition's old value ---------------------------------


@pytest.mark.parametrize(
    ("text", "value", "kind", "named"),
    [
        ("Bureau score below 30.", "30", "number", True),
        ("Bureauscore lager dan 30.", "30", "number", True),
        ("Bureau score below 300.", "30", "number", False),
        ("Score 1.30 or less", "30", "number", False),
        ("Meer dan €\xa05.000,00 langer dan 30 dagen", "5000", "number", True),
        ("More than €5,000.00 overdue", "5000", "number", True),
        ("More than EUR 5.000 overdue", "5000.00", "number", True),
        ("Kans op wanbetaling hoger dan 8% in 12 maanden.", "8", "number", True),
        ("Kans op wanbetaling hoger dan 8% in 12 maanden.", "2", "number", False),
        ("Hoogstens €\xa050.000,00.", "0", "number", False),
        ("PD above 4,5%", "4.5", "number", True),
        ("Only a BV", "bv", "text", True),
        ("Only a bvba", "bv", "text", False),
    ],
)
def test_a_reason_names_a_value(text, value, kind, named):
    from acceptance.rules import mentions

    assert mentions(text, value, kind) is named


@pytest.fixture
def draft_rule():
    draft = create_draft_version(rule_set=RuleSet.objects.get(code="low"), by="test")
    return add_rule(
        version=draft,
        name="Score too low",
        name_nl="Score te laag",
        outcome=Outcome.REJECT,
        conditions=[("score", "lt", "30"), ("negative_event", "is_false", "")],
        reason_nl="Bureauscore lager dan 30.",
        reason_en="Bureau score below 30.",
        by="test",
    )


def test_changing_a_threshold_the_reason_names_is_reported_and_the_reason_left_alone(draft_rule):
    from acceptance.rules import StaleValue
    from acceptance.services import update_rule

    updated = update_rule(
        rule=draft_rule, conditions=[("score", "lt", "40"), ("negative_event", "is_false", "")], by="t"
    )
    assert updated.stale_values == [StaleValue(feature="score", old="30", new="40")]
    draft_rule.refresh_from_db()
    assert (draft_rule.reason_nl, draft_rule.reason_en) == (
        "Bureauscore lager dan 30.",
        "Bureau score below 30.",
    )
    assert [str(c) for c in draft_rule.conditions.all()] == ["score lt 40", "negative_event is_false"]


@pytest.mark.parametrize(
    ("conditions", "reasons"),
    [
        ([("score", "lt", "40")], {"reason_nl": "Bureauscore lager dan 40.", "reason_en": "Score below 40."}),
        ([("score", "lt", "30.00")], {}),  # the same number
        ([("score", "lte", "30")], {}),  # another operator, the same value
        ([("negative_event", "is_false", "")], {}),  # the condition is gone: no new value to name
        ([("score", "lt", "30"), ("amount", "gt", "1000")], {}),  # a condition added
    ],
)
def test_no_report_when_the_reason_does_not_name_a_changed_value(draft_rule, conditions, reasons):
    from acceptance.services import update_rule

    assert update_rule(rule=draft_rule, conditions=conditions, by="t", **reasons).stale_values == []


def test_a_money_threshold_is_recognised_as_the_reason_writes_it(medium_v1):
    from acceptance.services import update_rule

    draft = create_draft_version(rule_set=medium_v1.rule_set, by="test", copy_from=medium_v1)
    rule = draft.rules.get(name="Overdue: prepayment")  # overdue_amount gt 5000: "Meer dan € 5.000,00 ..."
    conditions = [
        (c.feature, c.operator, "6000" if c.value == "5000" else c.value) for c in rule.conditions.all()
    ]
    assert [
        (s.feature, s.old, s.new) for s in update_rule(rule=rule, conditions=conditions, by="t").stale_values
    ] == [("overdue_amount", "5000", "6000")]


def test_the_editor_warns_at_the_rule(manager_client, draft_rule):
    url = reverse("acceptance:rule_edit", args=[draft_rule.pk])
    data = rule_post(draft_rule, **{"c-0-value": "40"})
    response = in_language(manager_client, "en").post(url, data, **HTMX)
    assert response.status_code == 200 and "<html" not in response.text
    assert (
        "The reason still says 30, but the condition on Bureau score (0-100) is now 40. "
        "Change the reason if it should say so too."
    ) in response.text
    assert "<details open><summary>Edit Score too low" in response.text  # the reason is at hand
    draft_rule.refresh_from_db()
    assert draft_rule.reason_en == "Bureau score below 30."
    # In Dutch; and gone once the reason says what the condition does.
    data = rule_post(draft_rule, **{"c-0-value": "45"})
    dutch = in_language(manager_client, "nl").post(url, data, **HTMX).text
    assert "De reden noemt nog 40" not in dutch  # the reason said 30, not 40
    data = rule_post(draft_rule, **{"c-0-value": "30"})
    in_language(manager_client, "nl").post(url, data, **HTMX)
    data = rule_post(draft_rule, **{"c-0-value": "35"})
    dutch = in_language(manager_client, "nl").post(url, data, **HTMX).text
    assert "De reden noemt nog 30, maar de voorwaarde op Score kredietbureau (0-100) is nu 35." in dutch
    data = rule_post(
        draft_rule, **{"c-0-value": "40", "-reason_nl": "Lager dan 40.", "-reason_en": "Below 40."}
    )
    assert "still says" not in in_language(manager_client, "en").post(url, data, **HTMX).text
    # Another look at the page: the warning was about that save only.
    page = manager_client.get(reverse("acceptance:version_detail", args=[draft_rule.version_id])).text
    assert "still says" not in page


def test_without_htmx_the_warning_is_a_message(manager_client, draft_rule):
    url = reverse("acceptance:rule_edit", args=[draft_rule.pk])
    response = in_language(manager_client, "en").post(
        url, rule_post(draft_rule, **{"c-0-value": "40"}), follow=True
    )
    assert (
        "Score too low: The reason still says 30, but the condition on Bureau score (0-100) is now 40."
        in (response.text)
    )
