"""Scheduled reports go out by real SMTP, once per period, to people who may see them."""

import subprocess
from datetime import date
from email import message_from_bytes

import pytest
from django.urls import reverse

from creditmgmt.models import Role
from creditmgmt.services import create_user
from reporting.models import ReportDelivery, ReportSubscription
from reporting.scheduled import send_scheduled_reports

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 3, 30)


def pdf_text(content: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return result.stdout.decode()


@pytest.fixture
def people(manager, controller, sales_rep, counter_clerk):
    for user in (manager, controller, sales_rep, counter_clerk):
        user.email = f"{user.username}@example.com"
        user.language = "nl"
        user.save()
    return manager, controller, sales_rep


def test_weekly_report_to_a_role_by_smtp(smtp_server, people, book):
    manager, _, _ = people
    create_user(username="maria", role=Role.MANAGER, email="", password="x")  # no address: skipped
    ReportSubscription.objects.create(role=Role.MANAGER, frequency="weekly", currency="EUR", months=3)
    assert send_scheduled_reports(MONDAY)["reports_sent"] == 1
    assert send_scheduled_reports(MONDAY) == {"reports_sent": 0, "already_sent": 1, "failed": 0}
    assert send_scheduled_reports(date(2026, 3, 31))["reports_sent"] == 0  # not a Monday
    (envelope,) = smtp_server.messages
    assert envelope.rcpt_tos == [manager.email]
    mail = message_from_bytes(envelope.content)
    attachment = next(part for part in mail.walk() if part.get_content_type() == "application/pdf")
    text = pdf_text(attachment.get_payload(decode=True))
    # Mark reads Dutch; on Monday 30 March the latest snapshot is the end of February's.
    assert "Ouderdomsanalyse" in text and "3.300,00" in text.replace("\xa0", " ")


def test_sales_get_no_controller_table_and_counter_staff_nothing(smtp_server, people, counter_clerk, book):
    _, _, sales = people
    ReportSubscription.objects.create(user=sales, frequency="monthly", currency="EUR")
    ReportSubscription.objects.create(user=counter_clerk, frequency="monthly", currency="EUR")
    assert send_scheduled_reports(date(2026, 4, 1))["reports_sent"] == 1
    assert ReportDelivery.objects.get().user == sales


def test_a_sales_reps_mailed_report_covers_the_customers_they_manage(smtp_server, people, book):
    _, _, sales = people
    alfa, bravo = book
    alfa.account_manager = sales
    alfa.save()
    ReportSubscription.objects.create(user=sales, frequency="monthly", currency="EUR")
    assert send_scheduled_reports(date(2026, 4, 1))["reports_sent"] == 1
    (envelope,) = smtp_server.messages
    mail = message_from_bytes(envelope.content)
    attachment = next(part for part in mail.walk() if part.get_content_type() == "application/pdf")
    text = pdf_text(attachment.get_payload(decode=True))
    assert "Alfa" in text and "Bravo" not in text


def test_manager_subscribes_and_ends_a_subscription(client, manager, controller):
    client.force_login(manager)
    url = reverse("reporting:subscriptions")
    response = client.post(url, {"user": controller.pk, "role": "manager", "frequency": "weekly",
                                 "currency": "EUR", "months": 12})  # fmt: skip
    assert "not both" in response.text
    response = client.post(
        url, {"user": controller.pk, "frequency": "weekly", "currency": "EUR", "months": 12}
    )
    assert response.status_code == 302
    subscription = ReportSubscription.objects.get()
    assert subscription.created_by == manager
    client.post(reverse("reporting:subscription_delete", args=[subscription.pk]))
    assert not ReportSubscription.objects.exists()


def test_pdf_report_view(client, manager, book):
    client.force_login(manager)
    response = client.get(reverse("reporting:dashboard_pdf"), {"months": 3})
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Alfa" in text and "Top debtors" in text and "4,300.00" in text
    assert "Disputes by reason" in text and "Damaged or wrong" in text
    assert "11.8" in text and "51.6" in text  # disputed and collectable DSO


MAKER_GONE = {  # (word, why) in each language
    "en": ("not known", "The account of the person who made it is gone, or it was made outside the app"),
    "nl": ("onbekend", "Het account van wie het maakte bestaat niet meer, of het is buiten de app gemaakt"),
}


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_subscription_whose_maker_is_gone_says_so_in_words(client, manager, controller, language):
    """The "By" column of a subscription without its maker: a word and why, not a bare dash."""
    from django.conf import settings

    word, why = MAKER_GONE[language]
    ReportSubscription.objects.create(user=controller, frequency="weekly", currency="EUR", created_by=None)
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("reporting:subscriptions")).content.decode()
    rows = html.split("<tbody>")[1].split("</tbody>")[0]
    assert "–" not in rows
    assert f'<span class="muted" title="{why}">{word}</span>' in rows


@pytest.mark.parametrize(("language", "label"), [("en", "Government"), ("nl", "Overheid")])
def test_the_pdf_report_names_the_segment_by_its_label(client, manager, book, language, label):
    """The page's segment filter shows the label; the PDF printed the code ("government")."""
    manager.language = language  # the report speaks the reader's own language
    manager.save(update_fields=["language"])
    client.force_login(manager)
    response = client.get(reverse("reporting:dashboard_pdf"), {"months": 3, "segment": "government"})
    text = " ".join(pdf_text(response.content).split())
    assert f"EUR, 3 {'months' if language == 'en' else 'maanden'}, {label}." in text
    assert "government" not in text


@pytest.mark.parametrize(
    ("language", "segment", "role"),
    [("en", "Government", "Credit manager"), ("nl", "Overheid", "Creditmanager")],
)
def test_subscriptions_name_the_segment_and_role_by_their_labels(client, manager, language, segment, role):
    from django.conf import settings

    ReportSubscription.objects.create(
        role="manager", frequency="weekly", currency="EUR", segment="government", created_by=manager
    )
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("reporting:subscriptions")).content.decode()
    rows = html.split("<tbody>")[1].split("</tbody>")[0]
    assert f"EUR, {segment}," in rows and role in rows
    for code in ("government", "role manager<", "rol manager<"):
        assert code not in rows
