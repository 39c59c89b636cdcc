"""The dashboards as each role sees them, on the worked-example book."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from reporting.snapshots import backfill, take_snapshot
from tests.acceptance.conftest import bureau  # noqa: F401  (fixture)
from tests.factories import CustomerFactory
from tests.reporting.conftest import TODAY, invoice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY.isoformat() + " 10:00 +01:00", tick=False):
        yield


def test_manager_sees_the_figures_and_each_controller(client, manager, book, django_assert_max_num_queries):
    client.force_login(manager)
    with django_assert_max_num_queries(19):
        response = client.get(reverse("reporting:dashboard"), {"months": 3})
    assert response.status_code == 200
    html = response.content.decode()
    assert "4,300.00" in html  # open (the manager reads English)
    assert "2,500.00" in html  # overdue
    assert "58.1% of the open invoices" in html
    assert ">56.0<" in html  # countback DSO
    assert "24.2%" in html  # CEI of March
    assert "<svg" in html and "Alfa" in html  # chart and top debtors
    assert [c["open"] for c in response.context["controllers"]] == [Decimal("4300.00")]
    assert "disputed DSO 11.8 · collectable DSO 51.6" in html
    assert [d["code"] for d in response.context["disputes"]] == ["price", "damaged"]


def test_drill_down_from_disputes_to_their_customers(client, manager, book):
    a, b = book
    client.force_login(manager)
    response = client.get(reverse("reporting:bucket_customers"), {"bucket": "disputed"})
    assert [s.customer for s in response.context["page"].object_list] == [b]
    assert response.context["label"] == "Disputed"
    url = reverse("reporting:dispute_customers")
    rows = client.get(url, {"months": 3}).context["page"].object_list
    assert [(r["customer__name"], r["open"], r["finished"]) for r in rows] == [
        ("Bravo", 1, 0),
        ("Alfa", 0, 1),
    ]
    response = client.get(url, {"months": 3, "reason": "price"})
    assert response.status_code == 200
    assert [r["customer__name"] for r in response.context["page"].object_list] == ["Alfa"]
    assert response.context["page"].object_list[0]["days_to_resolve"] == Decimal("2.0")
    assert "Disputes: Price" in response.content.decode()


def test_dispute_drill_down_follows_the_controller_filter(client, manager, other_controller, book):
    client.force_login(manager)
    response = client.get(reverse("reporting:dispute_customers"), {"controller": other_controller.pk})
    assert list(response.context["page"].object_list) == []


def test_drill_down_from_a_bucket_lists_its_customers(client, manager, book, django_assert_max_num_queries):
    a, b = book
    client.force_login(manager)
    with django_assert_max_num_queries(7):  # the page, then its customers and controllers: not one per row
        response = client.get(reverse("reporting:bucket_customers"), {"bucket": "d31_60"})
    assert [s.customer for s in response.context["page"].object_list] == [a]
    response = client.get(reverse("reporting:bucket_customers"), {"bucket": "overdue"})
    assert [s.customer for s in response.context["page"].object_list] == [b, a]  # most overdue first


def test_a_controller_sees_their_own_portfolio_by_default(client, other_controller, book):
    CustomerFactory(controller=other_controller)
    client.force_login(other_controller)
    response = client.get(reverse("reporting:dashboard"))
    assert response.context["filters"].controller_id == other_controller.pk
    assert response.context["board"].current.open_amount == 0  # none of the book is theirs


def test_a_controller_who_widens_the_dashboard_keeps_it_wide_in_its_links(
    client,
    other_controller,
    book,
    bureau,  # noqa: F811
):
    """A controller's dashboard opens on their own portfolio; widened to all controllers, its links
    (the drill-downs and the acceptance quality page behind the credit decisions card, which they only
    see widened) say so, rather than falling back to their own portfolio there."""
    import re
    from html import unescape

    from acceptance.services import decide
    from reporting.acceptance import rebuild_decision_days

    alfa, bravo = book  # the other controller's customers
    alfa.kvk_number = "11111111"
    alfa.save(update_fields=["kvk_number"])
    bureau("11111111", score=85)
    decide(by="test", channel="webshop", customer=alfa, amount=Decimal("1000"))
    rebuild_decision_days(TODAY)
    client.force_login(other_controller)
    response = client.get(reverse("reporting:dashboard"), {"months": 3, "controller": ""})
    assert response.context["filters"].controller_id is None
    assert [a["decisions"] for a in response.context["acceptance"]] == [1]
    html = response.content.decode()
    links = {
        name: unescape(re.search(rf'href="({re.escape(reverse(name))}\?[^"]*)"', html).group(1))
        for name in ("reporting:acceptance_retro", "reporting:bucket_customers")
    }
    retro = client.get(links["reporting:acceptance_retro"]).context["retro"]
    assert retro.cells["accepted"]["unknown"] == 1  # the card's decision, not none of their own
    rows = client.get(links["reporting:bucket_customers"]).context["page"].object_list
    assert {s.customer for s in rows} == {alfa, bravo}


def test_sales_sees_payment_behaviour_but_not_the_controllers(client, sales_rep, book):
    client.force_login(sales_rep)
    response = client.get(reverse("reporting:dashboard"))
    assert response.status_code == 200
    assert response.context["controllers"] == []
    assert client.get(reverse("reporting:export", args=["controllers", "csv"])).status_code == 404
    assert client.get(reverse("reporting:forecast")).status_code == 403  # the company's cash, not theirs


def test_sales_see_only_their_own_customers(client, sales_rep, book, django_assert_max_num_queries):
    from dunning.models import Dispute

    a, b = book
    client.force_login(sales_rep)
    assert client.get(reverse("reporting:dashboard")).context["board"].current.open_amount == 0  # none yet
    Dispute.objects.get(customer=b).watchers.add(sales_rep)  # Bravo becomes one of theirs
    with django_assert_max_num_queries(16):
        response = client.get(reverse("reporting:dashboard"), {"months": 3})
    board = response.context["board"]
    assert board.current.open_amount == Decimal("2600.00")  # F3 and F6, not Alfa's invoices
    assert board.current.disputed == Decimal("800.00")
    assert board.sales_3m == Decimal("2600.00")  # Bravo's invoices of February and March
    assert board.dso == Decimal("90.0")  # all of it still open: 2,600 / 2,600 x 90 days
    assert [d["code"] for d in response.context["disputes"]] == ["damaged"]
    assert response.context["acceptance"] == [] and response.context["cure"] == []
    html = response.content.decode()
    assert "Alfa" not in html and "Bravo" in html
    assert 'name="controller"' not in html
    # Choosing a controller does not widen it; the drill-downs, exports and PDF keep to Bravo.
    other = client.get(reverse("reporting:dashboard"), {"controller": a.controller_id})
    assert other.context["board"].current.open_amount == Decimal("2600.00")
    rows = client.get(reverse("reporting:bucket_customers"), {"bucket": "open"}).context["page"].object_list
    assert [s.customer for s in rows] == [b]
    rows = client.get(reverse("reporting:dispute_customers")).context["page"].object_list
    assert [r["customer__name"] for r in rows] == ["Bravo"]
    export = client.get(reverse("reporting:export", args=["customers", "csv"])).content.decode()
    assert "Bravo" in export and "Alfa" not in export
    from tests.reporting.test_scheduled import pdf_text

    text = pdf_text(client.get(reverse("reporting:dashboard_pdf"), {"months": 3}).content)
    assert "Bravo" in text and "Alfa" not in text and "2,600.00" in text


def test_sales_see_the_customers_they_manage_everywhere(
    client, sales_rep, book, django_assert_max_num_queries
):
    """Alfa is Sam's; Bravo is Lisa's, so Sam's watching Bravo's dispute no longer makes it his."""
    from creditmgmt.models import Role
    from creditmgmt.services import create_user
    from dunning.models import Dispute

    a, b = book
    lisa = create_user(username="lisa.sales", role=Role.SALES)
    a.account_manager, b.account_manager = sales_rep, lisa
    a.save()
    b.save()
    Dispute.objects.get(customer=b).watchers.add(sales_rep)
    client.force_login(sales_rep)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("reporting:dashboard"), {"months": 3})
    assert response.context["board"].current.open_amount == Decimal("1700.00")  # F2 and F5
    html = response.content.decode()
    assert "Alfa" in html and "Bravo" not in html
    rows = client.get(reverse("reporting:bucket_customers"), {"bucket": "open"}).context["page"].object_list
    assert [s.customer for s in rows] == [a]
    rows = client.get(reverse("reporting:dispute_customers")).context["page"].object_list
    assert [r["customer__name"] for r in rows] == ["Alfa"]
    export = client.get(reverse("reporting:export", args=["customers", "csv"])).content.decode()
    assert "Alfa" in export and "Bravo" not in export
    from tests.reporting.test_scheduled import pdf_text

    text = pdf_text(client.get(reverse("reporting:dashboard_pdf"), {"months": 3}).content)
    assert "Alfa" in text and "Bravo" not in text
    client.force_login(lisa)
    response = client.get(reverse("reporting:dashboard"), {"months": 3})
    assert response.context["board"].current.open_amount == Decimal("2600.00")  # F3 and F6


def test_overdue_customers_are_counted_alike_for_managers_and_sales(client, manager, sales_rep, book):
    """Overdue is a customer's invoices open past their due date, for every role. Charlie's late
    invoice (31-60 days) is cancelled on balance by a credit note that is late too (1-30 days): the
    invoice is still overdue (dunning goes on, the credit is to be allocated) and the credit note is
    unapplied credit, not a negative overdue amount."""
    a, b = book
    charlie = CustomerFactory(name="Charlie", controller=a.controller, segment="business")
    invoice(charlie, "C1", "500.00", date(2026, 1, 20), date(2026, 2, 19))
    invoice(charlie, "C2", "-500.00", date(2026, 2, 25), date(2026, 3, 20))
    invoice(charlie, "C3", "300.00", date(2026, 3, 20), date(2026, 4, 19))  # not due yet
    for customer in (a, charlie):
        customer.account_manager = sales_rep
        customer.save()
    take_snapshot(TODAY)

    client.force_login(manager)
    current = client.get(reverse("reporting:dashboard")).context["board"].current
    assert (current.customers, current.customers_overdue) == (3, 3)
    assert current.credit == Decimal("-500.00") and current.buckets["d1_30"] == Decimal("2000.00")  # F3
    drill_down = reverse("reporting:bucket_customers") + "?bucket=overdue"  # the figure's link
    assert [s.customer for s in client.get(drill_down).context["page"].object_list] == [b, a, charlie]
    client.force_login(sales_rep)
    current = client.get(reverse("reporting:dashboard")).context["board"].current
    assert (current.customers, current.customers_overdue) == (2, 2)  # Alfa and Charlie
    assert [s.customer for s in client.get(drill_down).context["page"].object_list] == [a, charlie]


def test_counter_staff_cannot_see_dashboards(client, counter_clerk, book):
    client.force_login(counter_clerk)
    for name in ("dashboard", "bucket_customers", "dispute_customers", "forecast", "dashboard_pdf"):
        assert client.get(reverse(f"reporting:{name}")).status_code == 403, name
    assert client.get(reverse("reporting:export", args=["top", "csv"])).status_code == 403


def test_exports_as_csv_and_excel(client, manager, book):
    client.force_login(manager)
    response = client.get(reverse("reporting:export", args=["customers", "csv"]), {"bucket": "overdue"})
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    assert rows[0][1] == "Customer" or rows[0][1] == "Klant"
    assert [r[1] for r in rows[1:]] == ["Bravo", "Alfa"]
    response = client.get(reverse("reporting:export", args=["trend", "xlsx"]), {"months": 3})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[-1][0] == TODAY.isoformat()
    assert values[-1][2] == 4300.0


def test_unknown_export_is_not_found(client, manager, book):
    client.force_login(manager)
    assert client.get(reverse("reporting:export", args=["secrets", "csv"])).status_code == 404


def test_empty_book_explains_how_to_start(client, manager, sales_rep):
    client.force_login(manager)
    response = client.get(reverse("reporting:dashboard"))
    assert response.status_code == 200
    assert response.context["board"].current is None
    assert "first snapshot tonight" in response.text and "Run it now from Daily run" in response.text
    # Sales cannot open the daily run: they are told when, not where they cannot go.
    client.force_login(sales_rep)
    response = client.get(reverse("reporting:dashboard"))
    assert "first snapshot tonight" in response.text and "Daily run" not in response.text


def test_controller_performance_counts_collections_and_tasks_done(client, manager, controller, book):
    from accounts import services
    from reporting.snapshots import rebuild_monthly_sales

    a, _ = book
    services.record_payment(customer=a, amount=Decimal("250.00"), value_date=TODAY, by="test")
    task = services.create_task(customer=a, title="Call", due_date=TODAY, by="test", assignee=controller)
    services.complete_task(task=task, outcome="reached", by=controller)
    rebuild_monthly_sales(TODAY)
    client.force_login(manager)
    response = client.get(reverse("reporting:dashboard"), {"months": 3})
    (row,) = response.context["controllers"]
    assert row["collected"] == Decimal("250.00")
    assert row["tasks_done"] == 1


def test_controller_performance_shows_their_cure_rate(client, manager, controller, book):
    from dunning.models import DunningAction, Procedure
    from reporting.models import ActionOutcome

    a, b = book
    step = Procedure.objects.get(code="medium").steps.order_by("position").first()
    for cycle, (customer, cured) in enumerate(((a, True), (b, False), (b, True)), start=1):
        action = DunningAction.objects.create(
            customer=customer, procedure=step.procedure, step=step, cycle=cycle, date=TODAY, status="done",
            invoice_ids=[], amount=Decimal("10.00"), days_overdue=10,
        )  # fmt: skip
        ActionOutcome.objects.create(action=action, step=step, date=TODAY, controller=controller,
                                     amount=Decimal("10.00"), cured=cured)  # fmt: skip
    client.force_login(manager)
    (row,) = client.get(reverse("reporting:dashboard"), {"months": 3}).context["controllers"]
    assert (row["steps"], row["cure_rate"]) == (3, 66.7)


def test_promise_kept_rate_overall_and_per_controller(client, manager, controller, book):
    from dunning.models import Promise

    a, b = book
    for customer, status in ((a, "kept"), (a, "broken"), (b, "kept"), (b, "open")):
        fields = {"amount": Decimal("100.00"), "open_at_promise": Decimal("100.00"), "channel": "phone"}
        fields.update(promised_date=TODAY, paused_until=TODAY, status=status)
        Promise.objects.create(customer=customer, **fields)
    client.force_login(manager)
    response = client.get(reverse("reporting:dashboard"), {"months": 3})
    assert response.context["promises"]["rate"] == Decimal("66.7")
    assert response.context["controllers"][0]["promise_rate"] == Decimal("66.7")


@pytest.mark.parametrize(
    ("language", "none_due", "hint"),
    [
        ("en", "none due", "No promise to pay fell due in the period"),
        ("nl", "geen vervallen", "Geen betalingsbelofte verviel in de periode"),
    ],
)
def test_no_promises_due_is_said_in_words(client, manager, book, language, none_due, hint):
    """No promise fell due: the figure and the controller's row say that in words, not a bare dash."""
    from django.conf import settings

    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("reporting:dashboard"), {"months": 3})
    assert response.context["promises"]["rate"] is None
    html = response.content.decode()
    figure = html.split('<div class="label">', 8)[7]  # the eighth figure: promises kept
    assert none_due in figure and hint in figure
    (row,) = [r.split("</tr>")[0] for r in html.split("<tr>") if "&controller=" in r]  # the controller's row
    assert row.endswith(f'<span class="muted" title="{hint}">{none_due}</span></td>')


EMPTY = {  # (word, why) per figure with no data, in each language
    "en": {
        "owed": ("nothing owed", "No invoice is open, so no share of it is overdue"),
        # The standard DSO and its split, in the hints of the countback DSO and the disputed amount.
        "dso": ("standard, 3 months: no sales",),
        "split": ("disputed and collectable DSO: no sales",),
        "gone": ("no standard DSO", "no DSO split"),  # the hints' own sentences, before reporting.empty
        "sales": ("no sales", "No credit sales in the last three months"),
        "cei": ("not measured", "No snapshot of the book at the start of the month"),
        "collect": ("nothing to collect", "Nothing was due to be collected in the month"),
        "cure": ("no steps", "No dunning step in the period with a known outcome: "
                 "it is known 14 days after the step"),
        "resolved": ("none resolved", "No dispute with this reason was resolved in the period"),
    },
    "nl": {
        "owed": ("niets te vorderen", "Geen openstaande factuur, dus geen aandeel vervallen"),
        "dso": ("standaard, 3 maanden: geen omzet",),
        "split": ("DSO betwist en inbaar: geen omzet",),
        "gone": ("geen standaard-DSO", "geen DSO-splitsing"),
        "sales": ("geen omzet", "Geen verkoop op rekening in de laatste drie maanden"),
        "cei": ("niet gemeten", "Geen momentopname van de debiteurenstand aan het begin van de maand"),
        "collect": ("niets te innen", "In de maand viel niets te innen"),
        "cure": ("geen stappen", "Geen aanmaningsstap met bekende uitkomst in de periode: "
                 "die is 14 dagen na de stap bekend"),
        "resolved": ("geen afgehandeld", "Geen geschil met deze reden is in de periode afgehandeld"),
    },
}  # fmt: skip


def _figures(html: str) -> dict[str, str]:
    """The dashboard's figures by label: what the value and the hint say."""
    return {
        part.split("</div>")[0]: part.split("</div>", 1)[1]
        for part in html.split('<div class="figures kpis">')[1]
        .split('<div class="grid-dash">')[0]
        .split('<div class="label">')[1:]
    }


def _controller_row(html: str) -> str:
    (row,) = [r.split("</tr>")[0] for r in html.split("<tr>") if "&controller=" in r]
    return row


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_period_without_data_says_why_in_words(client, manager, controller, language):
    """No sales, nothing owed, no snapshot a month ago, no step with an outcome: words, not dashes."""
    from django.conf import settings

    customer = CustomerFactory(controller=controller)
    invoice(customer, "C1", "-50.00", date(2025, 10, 1), date(2025, 10, 31))  # a credit note, no sales
    take_snapshot(TODAY)  # the first daily run: no snapshot at the start of the month
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("reporting:dashboard"), {"months": 3})
    board = response.context["board"]
    assert board.dso is None and board.best_possible_dso is None and board.overdue_share is None
    words = EMPTY[language]
    html = response.content.decode()
    assert "–" not in html.split('<div class="figures kpis">')[1]
    overdue, dso, disputed, best, delinquent, _promises, cei = list(_figures(html).values())[1:]
    assert words["owed"][0] in overdue
    # The hints name the figure and say it in reporting.empty's word, why in their title.
    assert '<div class="hint" title="{}">{}</div>'.format(words["sales"][1], *words["dso"]) in dso
    assert '<div class="hint" title="{}">{}</div>'.format(words["sales"][1], *words["split"]) in disputed
    assert not [sentence for sentence in words["gone"] if sentence in html]
    for figure in (best, delinquent):
        assert '<div class="value muted">{}</div><div class="hint">{}</div>'.format(*words["sales"]) in figure
    assert '<div class="value muted">{}</div><div class="hint">{}</div>'.format(*words["cei"]) in cei
    row = _controller_row(html)
    assert '<span class="muted" title="{1}">{0}</span>'.format(*words["owed"]) in row
    assert '<span class="muted" title="{1}">{0}</span>'.format(*words["cure"]) in row


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_pdf_report_says_the_same_words_and_why(client, manager, controller, language):
    """The PDF prints the dashboard's words for figures without data, and says why under the tables."""
    from tests.reporting.test_scheduled import pdf_text

    customer = CustomerFactory(controller=controller)
    invoice(customer, "C1", "-50.00", date(2025, 10, 1), date(2025, 10, 31))  # a credit note, no sales
    take_snapshot(TODAY)  # the first daily run: no snapshot at the start of the month
    manager.language = language  # the report speaks the reader's own language
    manager.save(update_fields=["language"])
    client.force_login(manager)
    text = " ".join(pdf_text(client.get(reverse("reporting:dashboard_pdf"), {"months": 3}).content).split())
    words = EMPTY[language]
    assert "–" not in text
    for key in ("owed", "sales", "cei", "cure"):
        assert "{}: {}".format(*words[key]) in text, key
    assert words["collect"][0] not in text  # said only where it is printed


@pytest.mark.parametrize("language", ["en", "nl"])
def test_dispute_drill_down_says_none_resolved_in_words(client, manager, book, language):
    from django.conf import settings

    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("reporting:dispute_customers"), {"months": 3}).content.decode()
    bravo = next(r for r in html.split("<tr>") if "Bravo" in r)  # open, none finished
    why = {"en": "None of the customer&#x27;s disputes was resolved in the period",
           "nl": "Geen van de geschillen van de klant is in de periode afgehandeld"}[language]  # fmt: skip
    assert f'<span class="muted" title="{why}">{EMPTY[language]["resolved"][0]}</span>' in bravo
    assert "–" not in html.split("<tbody>")[1]


def test_a_month_with_nothing_due_says_nothing_to_collect(client, manager, controller):
    """Snapshots at both ends of the month, but nothing to collect in it: CEI says so."""
    CustomerFactory(controller=controller)
    backfill(TODAY, months=2, days=0)
    take_snapshot(TODAY)
    client.force_login(manager)
    html = client.get(reverse("reporting:dashboard"), {"months": 3}).content.decode()
    cei = _figures(html)["CEI this month"]
    assert '<div class="value muted">nothing to collect</div>' in cei
    assert "Nothing was due to be collected in the month" in cei


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_filled_period_shows_the_numbers(client, manager, controller, book, language):
    """The worked-example book: figures as numbers; only the dispute reason with none resolved says so."""
    from django.conf import settings

    from dunning.models import DunningAction, Procedure
    from reporting.models import ActionOutcome

    step = Procedure.objects.get(code="medium").steps.order_by("position").first()
    for cycle, cured in enumerate((True, True, False), start=1):
        action = DunningAction.objects.create(
            customer=book[0], procedure=step.procedure, step=step, cycle=cycle, date=TODAY, status="done",
            invoice_ids=[], amount=Decimal("10.00"), days_overdue=10,
        )  # fmt: skip
        ActionOutcome.objects.create(
            action=action, step=step, date=TODAY, controller=controller, amount=Decimal("10.00"), cured=cured
        )
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("reporting:dashboard"), {"months": 3})
    html = response.content.decode()
    words = EMPTY[language]

    def n(number: str) -> str:  # as the reader's language writes it
        return number if language == "en" else number.replace(".", ",")

    figures = list(_figures(html).values())
    row = _controller_row(html)
    for key in ("owed", "dso", "split", "sales", "cei", "collect", "cure"):
        assert words[key][0] not in "".join(figures) + row
    assert f">{n('56.0')}<" in figures[2]  # countback DSO, with the standard one in its hint
    assert '<div class="value">' in figures[4]  # best possible DSO
    assert '<div class="value">' in figures[5]  # average days delinquent
    assert f"{n('24.2')}%" in figures[7]  # CEI of March
    assert f">{n('58.1')}<" in row and f">{n('66.7')}%<" in row  # overdue share, cure rate (2 of 3 steps)
    rows = {d["code"]: d for d in response.context["disputes"]}
    assert rows["price"]["days_to_resolve"] == Decimal("2.0") and rows["damaged"]["days_to_resolve"] is None
    # December has no month end before it; nothing fell due in January (F1 and F2 did in February).
    trend = html.split("<tbody>")[2].split("</tbody>")[0]
    assert trend.count("<tr>") == 4 and f"{n('66.7')}%" in trend and f"{n('24.2')}%" in trend
    assert '<span class="muted" title="{1}">{0}</span>'.format(*words["cei"]) in trend.split("<tr>")[1]
    assert '<span class="muted" title="{1}">{0}</span>'.format(*words["collect"]) in trend.split("<tr>")[2]
    assert f'<td class="num">{n("2.0")}</td>' in html
    assert '<span class="muted" title="{1}">{0}</span>'.format(*words["resolved"]) in html


ROLES = ("manager", "controller", "sales_rep", "counter_clerk")
# What each role gets on each reporting page (the sales rep's pages are limited to their customers).
PAGES = [
    ("reporting:dashboard", [], (200, 200, 200, 403)),
    ("reporting:bucket_customers", [], (200, 200, 200, 403)),
    ("reporting:dispute_customers", [], (200, 200, 200, 403)),
    ("reporting:dashboard_pdf", [], (200, 200, 200, 403)),
    ("reporting:export", ["top", "xlsx"], (200, 200, 200, 403)),
    ("reporting:export", ["controllers", "csv"], (200, 200, 404, 403)),
    ("reporting:forecast", [], (200, 200, 403, 403)),
    ("reporting:acceptance_retro", [], (200, 200, 403, 403)),
    ("reporting:subscriptions", [], (200, 403, 403, 403)),
]


@pytest.mark.parametrize(("name", "args", "expected"), PAGES)
def test_every_reporting_page_for_every_role(client, request, book, name, args, expected):
    url = reverse(name, args=args)
    assert client.get(url).status_code == 302  # signed out: to the login page
    for role, status in zip(ROLES, expected, strict=True):
        client.force_login(request.getfixturevalue(role))
        assert client.get(url).status_code == status, (role, url)


def test_promises_and_cure_rates_drill_down_to_their_customers(client, manager, controller, sales_rep, book):
    from dunning.models import DunningAction, Procedure, Promise
    from reporting.models import ActionOutcome

    a, b = book
    for customer, status in ((a, "kept"), (a, "broken"), (b, "broken"), (b, "open")):
        fields = {"amount": Decimal("100.00"), "open_at_promise": Decimal("100.00"), "channel": "phone"}
        Promise.objects.create(
            customer=customer, promised_date=TODAY, paused_until=TODAY, status=status, **fields
        )
    step = Procedure.objects.get(code="medium").steps.order_by("position").first()
    for cycle, (customer, cured) in enumerate(((a, True), (b, False)), start=1):
        action = DunningAction.objects.create(
            customer=customer, procedure=step.procedure, step=step, cycle=cycle, date=TODAY, status="done",
            invoice_ids=[], amount=Decimal("10.00"), days_overdue=10,
        )  # fmt: skip
        ActionOutcome.objects.create(action=action, step=step, date=TODAY, controller=controller,
                                     amount=Decimal("10.00"), cured=cured)  # fmt: skip
    client.force_login(manager)
    html = client.get(reverse("reporting:dashboard"), {"months": 3}).content.decode()
    assert reverse("reporting:figure_customers", args=["promises"]) in html
    assert f"step={step.pk}" in html
    rows = client.get(reverse("reporting:figure_customers", args=["promises"])).context["page"].object_list
    assert [(r["customer__name"], r["cells"]) for r in rows] == [("Alfa", [1, 1]), ("Bravo", [0, 1])]
    url = reverse("reporting:figure_customers", args=["cure"])
    rows = client.get(url, {"step": step.pk}).context["page"].object_list
    assert [(r["customer__name"], r["cells"]) for r in rows] == [("Bravo", [1, 0]), ("Alfa", [1, 1])]
    assert client.get(reverse("reporting:figure_customers", args=["nonsense"])).status_code == 404
    client.force_login(sales_rep)  # their own customers' promises only (none here); no cure rates
    assert list(client.get(reverse("reporting:figure_customers", args=["promises"])).context["page"]) == []
    assert client.get(url).status_code == 404


def test_a_segment_filters_the_tasks_and_dunning_steps_too(
    client, manager, controller, book, django_assert_max_num_queries
):
    """Tasks done and cure rates (per controller and per step, and the step's drill-down) count only
    the chosen segment's customers, as the amounts do; the page runs no more queries for it."""
    from datetime import UTC, datetime

    from accounts.models import Task
    from dunning.models import DunningAction, Procedure
    from reporting.models import ActionOutcome, DecisionDay

    alfa, bravo = book  # business
    charlie = CustomerFactory(name="Charlie", controller=controller, segment="consumer")
    invoice(charlie, "C1", "300.00", date(2026, 3, 1), date(2026, 3, 20))
    take_snapshot(TODAY)
    done = datetime(2026, 3, 30, 12, tzinfo=UTC)
    for customer, n in ((alfa, 2), (bravo, 1), (charlie, 1)):
        for _n in range(n):
            Task.objects.create(customer=customer, title="Call", due_date=TODAY, assignee=controller,
                                status=Task.Status.DONE, completed_at=done)  # fmt: skip
    step = Procedure.objects.get(code="medium").steps.order_by("position").first()
    for cycle, (customer, cured) in enumerate(((alfa, True), (bravo, True), (charlie, False)), start=1):
        action = DunningAction.objects.create(
            customer=customer, procedure=step.procedure, step=step, cycle=cycle, date=TODAY, status="done",
            invoice_ids=[], amount=Decimal("10.00"), days_overdue=10,
        )  # fmt: skip
        ActionOutcome.objects.create(action=action, step=step, date=TODAY, controller=controller,
                                     amount=Decimal("10.00"), cured=cured)  # fmt: skip
    client.force_login(manager)
    url = reverse("reporting:dashboard")

    def figures(segment):
        with django_assert_max_num_queries(19):  # as without a segment
            context = client.get(url, {"months": 3, "segment": segment}).context
        [row] = context["controllers"]
        return (
            (row["open"], row["tasks_done"], row["steps"], row["cure_rate"]),
            [(r["actions"], r["cured"]) for r in context["cure"]],
        )

    assert figures("") == ((Decimal("4600.00"), 4, 3, 66.7), [(3, 2)])
    assert figures("business") == ((Decimal("4300.00"), 3, 2, 100.0), [(2, 2)])
    assert figures("consumer") == ((Decimal("300.00"), 1, 1, 0.0), [(1, 0)])
    drill = reverse("reporting:figure_customers", args=["cure"])
    rows = client.get(drill, {"step": step.pk, "segment": "consumer"}).context["page"].object_list
    assert [(r["customer__name"], r["cells"]) for r in rows] == [("Charlie", [1, 0])]
    # The credit decisions follow the segment too (test_the_credit_decisions_follow_the_filters).
    DecisionDay.objects.create(
        date=TODAY, channel="webshop", outcome="accept", decisions=1, segment="consumer"
    )
    assert [a["decisions"] for a in client.get(url, {"months": 3}).context["acceptance"]] == [1]
    assert client.get(url, {"months": 3, "segment": "business"}).context["acceptance"] == []


def test_the_credit_decisions_follow_the_filters(
    client,
    manager,
    controller,
    other_controller,
    book,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    """The credit decisions card counts the decisions on the chosen segment's and controller's
    customers, as every other card; a prospect's decision (no customer) only without a filter. The page
    runs no more queries with the filters than without (19), and no longer says the card is unfiltered."""
    from reporting.models import DecisionDay

    alfa, bravo = book  # business, the controller's
    charlie = CustomerFactory(name="Charlie", controller=other_controller, segment="consumer")
    invoice(charlie, "C1", "300.00", date(2026, 3, 1), date(2026, 3, 20))
    take_snapshot(TODAY)
    groups = [(alfa.segment, controller), (bravo.segment, controller), (charlie.segment, other_controller)]
    groups.append(("", None))  # a prospect's decision: no customer, so no segment and no controller
    for (segment, owner), outcome in zip(groups, ("accept", "reject", "accept", "reject"), strict=True):
        DecisionDay.objects.create(
            date=TODAY, channel="webshop", outcome=outcome, decisions=1, segment=segment, controller=owner
        )
    client.force_login(manager)
    url = reverse("reporting:dashboard")
    with django_assert_num_queries(19) as unfiltered:
        client.get(url, {"months": 3})
    queries = len(unfiltered.captured_queries)

    def card(**given):
        # No more with any filter; a chosen controller is looked up once by the form (as before).
        with django_assert_max_num_queries(queries + ("controller" in given)):
            response = client.get(url, {"months": 3, **given})
        html = response.content.decode()
        assert "not per segment or controller" not in html
        return [(a["decisions"], a["accepted"], a["rejected"]) for a in response.context["acceptance"]]

    assert card() == [(4, 50.0, 50.0)]  # the prospect counts without a filter
    assert card(segment="business") == [(2, 50.0, 50.0)]
    assert card(segment="consumer") == [(1, 100.0, 0.0)]  # not the prospect
    assert card(controller=controller.pk) == [(2, 50.0, 50.0)]
    assert card(controller=other_controller.pk) == [(1, 100.0, 0.0)]
    assert card(segment="consumer", controller=controller.pk) == []


def test_acceptance_quality_follows_the_cards_filters(
    client,
    manager,
    controller,
    other_controller,
    book,
    bureau,  # noqa: F811
    django_assert_num_queries,
):
    """The page behind the credit decisions card ("were they paid?") counts the same decisions as the
    card for every segment and controller filter: decisions on that segment's or controller's customers;
    a prospect's decision (no customer) only without a filter. It shows the filters that apply, keeps
    them in its links and runs a fixed number of queries, whatever the filter or the number of decisions."""
    from decimal import Decimal

    from acceptance.services import decide
    from reporting.acceptance import rebuild_decision_days

    bureau("11111111", score=85)  # healthy: accepted
    bureau("22222222", score=5, negative_events=["bankruptcy"])  # rejected
    made = {}
    for name, kvk, segment, owner in [
        ("Echo", "11111111", "business", controller),  # accepted
        ("Foxtrot", "22222222", "business", controller),  # rejected
        ("Golf", "11111111", "consumer", other_controller),  # accepted
        ("Hotel", "44444444", "consumer", other_controller),  # unknown to the bureau: referred, waits
    ]:
        made[name] = CustomerFactory(name=name, kvk_number=kvk, segment=segment, controller=owner)
        decide(by="test", channel="webshop", customer=made[name], amount=Decimal("1000"))
    decide(by="test", channel="webshop", registration_number="22222222", amount=Decimal("1000"))  # prospect
    decide(by="test", channel="webshop", registration_number="55555555", amount=Decimal("1000"))  # waits
    rebuild_decision_days(TODAY)
    client.force_login(manager)
    dashboard, url = reverse("reporting:dashboard"), reverse("reporting:acceptance_retro")

    def both(**given):
        card = sum(
            a["decisions"] for a in client.get(dashboard, {"months": 3, **given}).context["acceptance"]
        )
        response = client.get(url, {"months": 3, **given})
        retro = response.context["retro"]
        cells = {f"{cell}:{how}": n for cell, row in retro.cells.items() for how, n in row.items() if n}
        page = sum(cells.values()) + retro.referred
        assert page == card, (given, page, card)
        return page, cells, retro.referred

    accepted, rejected = "accepted:unknown", "rejected:unknown"  # nothing bought on account since
    bankrupt = "rejected:not_paid"  # the negative bureau event
    assert both() == (6, {accepted: 2, bankrupt: 2}, 2)
    assert both(segment="business") == (2, {accepted: 1, bankrupt: 1}, 0)
    assert both(segment="consumer") == (2, {accepted: 1}, 1)  # not the prospects
    assert both(controller=controller.pk) == (2, {accepted: 1, bankrupt: 1}, 0)
    assert both(controller=other_controller.pk) == (2, {accepted: 1}, 1)
    assert both(segment="consumer", controller=controller.pk) == (0, {}, 0)
    assert rejected not in both()[1]

    # The filters show on the page, stay in the links to the decisions behind a cell and on the way back.
    html = client.get(url, {"months": 3, "segment": "business", "controller": controller.pk}).content.decode()
    assert '<option value="business" selected>' in html
    assert f'<option value="{controller.pk}" selected>' in html
    assert f"?currency=EUR&amp;months=3&amp;segment=business&amp;controller={controller.pk}&cell=" in html
    assert "without a customer, is left out" in html
    assert "without a customer, is left out" not in client.get(url, {"months": 3}).content.decode()
    rows = client.get(url, {"months": 3, "segment": "business", "cell": bankrupt}).context["rows"]
    assert [r.company_name for r in rows] == ["Foxtrot"]

    # A fixed number of queries: with a filter, a cell's decisions and more decisions on more customers.
    with django_assert_num_queries(RETRO_QUERIES):
        client.get(url, {"months": 3})
    for given in ({"segment": "consumer"}, {"cell": accepted}, {"segment": "business", "cell": bankrupt}):
        with django_assert_num_queries(RETRO_QUERIES):
            client.get(url, {"months": 3, **given})
    with django_assert_num_queries(RETRO_QUERIES + 1):  # the form looks the chosen controller up
        client.get(url, {"months": 3, "controller": other_controller.pk})
    for _ in range(5):
        customer = CustomerFactory(kvk_number="11111111", segment="consumer", controller=other_controller)
        decide(by="test", channel="counter", customer=customer, amount=Decimal("1000"))
    with django_assert_num_queries(RETRO_QUERIES + 1):
        response = client.get(url, {"months": 3, "controller": other_controller.pk, "cell": accepted})
    assert len(response.context["rows"]) == 6


# Session and user, the currencies and the controllers for the filter form, the decisions, the decided
# customers' later invoices and their bureau reports.
RETRO_QUERIES = 7


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_credit_decisions_card_says_when_the_filters_leave_none(
    client, manager, controller, sales_rep, book, language
):
    """Filtered to a segment without decisions, the card stays and says so (as the disputes card does)
    rather than vanishing; sales and a controller on their own portfolio still do not get it."""
    from django.conf import settings

    from reporting.models import DecisionDay

    DecisionDay.objects.create(
        date=TODAY, channel="webshop", outcome="accept", decisions=1, segment="business"
    )
    url = reverse("reporting:dashboard")
    heading, none = {
        "en": ("Credit decisions", "No credit decisions in the period."),
        "nl": ("Kredietbesluiten", "Geen kredietbesluiten in de periode."),
    }[language]
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(url, {"months": 3}).content.decode()
    assert heading in html and none not in html
    html = client.get(url, {"months": 3, "segment": "consumer"}).content.decode()
    assert heading in html and f'<p class="empty">{none}</p>' in html
    for user in (sales_rep, controller):  # the controller's dashboard opens on their own portfolio
        client.force_login(user)
        response = client.get(url, {"months": 3})
        assert not response.context["acceptance_shown"] and heading not in response.content.decode()


def test_drill_down_pages_without_counting(client, manager, controller):
    from reporting.snapshots import take_snapshot
    from tests.factories import InvoiceFactory

    for n in range(52):
        InvoiceFactory(customer=CustomerFactory(controller=controller), amount=Decimal(1000 + n))
    take_snapshot(TODAY)
    client.force_login(manager)
    url = reverse("reporting:bucket_customers")
    first = client.get(url, {"bucket": "open"})
    assert len(first.context["page"].object_list) == 50 and first.context["page"].has_next
    assert "page=2" in first.content.decode()
    second = client.get(url, {"bucket": "open", "page": 2})
    assert len(second.context["page"].object_list) == 2 and not second.context["page"].has_next
    assert "page=2&amp;page" not in second.content.decode()
    assert client.get(url, {"bucket": "open", "page": "x"}).context["page"].number == 1


@pytest.mark.parametrize(("language", "nobody"), [("en", "Nobody"), ("nl", "Niemand")])
def test_a_drill_down_names_a_customer_without_controller_in_words(client, manager, book, language, nobody):
    """As the dashboard's controller table does: "Nobody", not a bare dash."""
    from django.conf import settings

    orphan = CustomerFactory(name="Zonder", controller=None)
    invoice(orphan, "Z1", "100.00", date(2026, 3, 1), date(2026, 3, 31))
    take_snapshot(TODAY)
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("reporting:bucket_customers"), {"bucket": "open"}).content.decode()
    row = next(r for r in html.split("<tr>") if "Zonder" in r)
    assert f'<td><span class="muted">{nobody}</span></td>' in row and "–" not in row
