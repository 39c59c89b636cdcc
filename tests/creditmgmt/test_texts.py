"""Texts written for someone else to read: stored as a message id with typed parameters, shown in
the reader's language (creditmgmt/texts.py).

The Dutch renderings use messages the Dutch catalog translates already; for new messages the
catalog does not know yet, the stored text is what a Dutch reader sees (the fallback)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext_noop

from acceptance.models import SHIPPED_NOTES, RuleSetVersion
from accounts.models import Customer, Event, Task
from creditmgmt import texts
from creditmgmt.texts import Text
from tests.factories import CustomerFactory

DAY = date(2026, 1, 5)


def in_language(language: str, text: Text) -> str:
    with translation.override(language):
        return texts.render(text.msgid, text.params, fallback="stored")


def test_plain_text_is_shown_as_written():
    text = Text(gettext_noop("Customer %(name)s created"), name="Bakkerij “De Vries” 100%")
    assert in_language("en", text) == "Customer Bakkerij “De Vries” 100% created"
    assert in_language("nl", text) == "Klant Bakkerij “De Vries” 100% aangemaakt"


def test_money_and_dates_in_the_readers_format():
    text = Text(
        gettext_noop("Promise kept: %(amount)s promised for %(date)s, %(paid)s paid"),
        amount=texts.money(Decimal("1234.50"), "EUR"),
        date=DAY,
        paid=texts.money(Decimal("-0.5"), "USD"),
    )
    assert in_language("en", text) == "Promise kept: €1,234.50 promised for 5 January 2026, -US$0.50 paid"
    assert in_language("nl", text) == (
        "Belofte nagekomen: €\xa01.234,50 beloofd voor 5 januari 2026, US$\xa0-0,50 betaald"
    )


def test_whole_amounts_and_lower_case_labels_as_a_tasks_explanation_says_them():
    text = Text(
        gettext_noop("%(amount)s overdue %(days)s days, %(risk)s risk"),
        amount=texts.money(Decimal("12400.49"), "EUR", whole=True),
        days=45,
        risk=texts.choice(Customer.RiskClass, Customer.RiskClass.HIGH, lower=True),
    )
    assert in_language("en", text) == "EUR 12,400 overdue 45 days, high risk"
    assert in_language("nl", text) == "EUR 12.400, 45 dagen vervallen, risico hoog"


def test_choice_values_show_their_translated_label():
    # "%(text)s (%(note)s)" has no words of its own: it needs no translation.
    text = texts.with_note(Text("%(outcome)s", outcome=Task.Outcome.REACHED), "ma 10:00")
    assert in_language("en", text) == "Reached the customer (ma 10:00)"
    assert in_language("nl", text) == "Klant bereikt (ma 10:00)"
    unknown = Text("%(outcome)s", outcome=texts.choice(Task.Outcome, "gone"))
    assert in_language("nl", unknown) == "gone"  # a value no longer among the choices: as stored


def test_nested_messages_lists_and_words_kept_in_both_languages():
    title = Text(gettext_noop("Review the credit limit (review date %(date)s)"), date=DAY)
    text = Text(gettext_noop("Try again: %(title)s"), title=title)
    assert in_language("en", text) == "Try again: Review the credit limit (review date 5 January 2026)"
    assert (
        in_language("nl", text)
        == "Opnieuw proberen: Herzie de kredietlimiet (herzieningsdatum 5 januari 2026)"
    )
    reasons = Text(
        "%(reasons)s",
        reasons=texts.joined(
            [texts.in_languages(nl="te laat", en="too late"), Text(gettext_noop("nobody"))], "; "
        ),
    )
    assert in_language("en", reasons) == "too late; nobody"
    assert in_language("nl", reasons) == "te laat; niemand"


def test_str_is_the_text_in_the_active_language_and_parameters_are_json():
    text = Text(
        gettext_noop("Task planned for %(date)s: %(title)s"), date=DAY, title=Text(gettext_noop("nobody"))
    )
    with translation.override("nl"):
        assert str(text) == "Taak gepland op 5 januari 2026: niemand"
    assert text.params == {"date": {"date": "2026-01-05"}, "title": {"msg": "nobody", "params": {}}}
    assert texts.stored("title", text, 10) == {
        "title": "Task plann",
        "title_msgid": "Task planned for %(date)s: %(title)s",
        "title_params": text.params,
    }
    assert texts.stored("title", "  typed by a person", 200)["title_msgid"] == ""


def test_a_missing_translation_shows_the_stored_text():
    text = Text("A sentence no catalog knows about %(name)s", name="X")
    assert in_language("en", text) == "A sentence no catalog knows about X"
    assert in_language("nl", text) == "stored"


@pytest.mark.parametrize(
    "params",
    [
        {"date": {"date": "2026-01-05"}},  # the translation wants %(title)s too
        {"date": {"date": "not a date"}, "title": "x"},
        {"date": {"mystery": 1}, "title": "x"},
        {"date": {"money": "lots", "currency": "EUR"}, "title": "x"},
    ],
)
def test_a_translation_that_does_not_fit_its_parameters_shows_the_stored_text(params):
    for language in ("nl", "en"):
        with translation.override(language):
            assert texts.render("Task planned for %(date)s: %(title)s", params, fallback="stored") == "stored"


@pytest.mark.django_db
def test_old_rows_without_a_message_show_their_stored_text():
    customer = CustomerFactory()
    old = Event.objects.create(
        customer=customer, kind=Event.Kind.NOTE, verb="added", summary="Belde, vrijdag"
    )
    task = Task.objects.create(customer=customer, title="Bel terug", due_date=DAY)
    with translation.override("en"):
        assert (old.summary_text, task.title_text, task.title_message) == (
            "Belde, vrijdag",
            "Bel terug",
            "Bel terug",
        )


@pytest.mark.django_db
def test_the_shipped_rule_sets_note_is_translated_and_a_users_note_is_not():
    shipped = RuleSetVersion(notes=SHIPPED_NOTES)
    own = RuleSetVersion(notes="Shipped with the application. And more.")
    with translation.override("nl"):
        assert shipped.notes_text == translation.gettext(SHIPPED_NOTES)
        assert own.notes_text == own.notes
    with translation.override("en"):
        assert shipped.notes_text == "Shipped with the application."
