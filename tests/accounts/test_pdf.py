"""The invoice PDF copy: the document data first, then that the PDF renders and paginates."""

import re
import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from reportlab.pdfbase import pdfmetrics

from accounts import services
from accounts.models import Invoice, InvoiceLine
from accounts.pdf import FONT, InvoicePdf, build_invoice_document, register_fonts, render_invoice_pdf
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = date(2026, 11, 22)
NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def company(settings):
    settings.COMPANY = {
        "name": "Voorbeeld Groothandel B.V.",
        "address": "Industrieweg 12, 3542 AD Utrecht",
        "country": "NL",
        "iban": "NL91ABNA0417164300",
        "bic": "ABNANL2A",
        "kvk": "30123456",
        "vat": "NL004495445B01",
        "email": "debiteuren@voorbeeld.example",
        "phone": "+31 30 123 4567",
        "currency": "EUR",
    }
    return settings.COMPANY


def make_invoice(*, language="nl", lines=(), name=None, **fields):
    customer_fields = {"language": language, "address": "Kerkstraat 1", "postal_code": "1017 GP"}
    if name:
        customer_fields["name"] = name
    customer = CustomerFactory(city="Amsterdam", **customer_fields)
    fields.setdefault("issue_date", TODAY - timedelta(days=10))
    fields.setdefault("due_date", TODAY + timedelta(days=20))
    invoice = InvoiceFactory(customer=customer, **fields)
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=i,
            description=desc,
            quantity=D(qty),
            unit_price=D(price),
            vat_rate=D(rate),
        )
        for i, (desc, qty, price, rate) in enumerate(lines, 1)
    )
    return invoice


TWO_RATES = [
    ("Tarwebloem type 550, zak 25 kg", "40", "18.75", "9"),  # 750.00 at 9% -> 67.50
    ("Bakpapier op rol", "3", "54.90", "21"),  # 164.70
    ("Transportkosten", "1", "45.00", "21"),  # 45.00 -> 209.70 at 21% -> 44.04
]


def two_rate_invoice(**fields):
    # net 959.70 + VAT 111.54 = 1071.24
    return make_invoice(lines=TWO_RATES, amount=D("1071.24"), vat_amount=D("111.54"), **fields)


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page(?![s\w])", pdf))


# --- The document ---------------------------------------------------------------


def test_dutch_invoice_with_lines(django_assert_num_queries):
    invoice = two_rate_invoice(number="F2026-0001", order_reference="PO-4471")
    invoice = Invoice.objects.select_related("customer").get(pk=invoice.pk)

    with django_assert_num_queries(2):  # the lines and the allocations, whatever their number
        doc = build_invoice_document(invoice, today=TODAY)

    assert doc.language == "nl"
    assert doc.title == "Factuur"
    assert doc.copy_mark == "KOPIE"
    assert doc.labels["due_date"] == "Vervaldatum"
    assert [line.net_amount for line in doc.lines] == [D("750.00"), D("164.70"), D("45.00")]
    assert doc.net_total == D("959.70")
    assert [(row.rate, row.base, row.vat) for row in doc.vat_rows] == [
        (D("21"), D("209.70"), D("44.04")),
        (D("9"), D("750.00"), D("67.50")),
    ]
    assert doc.vat_total == D("111.54")
    assert doc.total == D("1071.24")
    assert doc.paid == D("0")
    assert doc.open_amount == D("1071.24")
    assert doc.payment_terms_days == 30
    assert doc.order_reference == "PO-4471"
    assert doc.company.name == "Voorbeeld Groothandel B.V."
    assert doc.company.address_lines == ("Industrieweg 12", "3542 AD Utrecht")
    assert doc.customer.country_name == ""  # domestic: no country line
    assert doc.payment_reference == "F2026-0001"  # no structured reference: the number
    assert doc.payment_instructions == (
        f"Wij verzoeken u €{NBSP}1.071,24 vóór 12 december 2026 over te maken op IBAN "
        "NL91 ABNA 0417 1643 00 (BIC ABNANL2A) ten name van Voorbeeld Groothandel B.V., "
        "onder vermelding van F2026-0001."
    )
    assert doc.money(doc.total) == f"€{NBSP}1.071,24"
    assert doc.long_date(doc.due_date) == "12 december 2026"


def test_english_customer_gets_english_labels_and_formats():
    invoice = two_rate_invoice(language="en", payment_reference="1234567890123456")
    doc = build_invoice_document(invoice, today=TODAY)

    assert doc.title == "Invoice"
    assert doc.copy_mark == "COPY"
    assert doc.labels["due_date"] == "Due date"
    assert doc.money(doc.total) == "€1,071.24"
    assert doc.payment_reference == "1234567890123456"
    assert doc.payment_instructions.startswith("Please pay €1,071.24 before 12 December 2026 to IBAN ")
    assert doc.payment_instructions.endswith("stating 1234567890123456.")


@pytest.mark.parametrize("language", ["de", "fr"])
def test_other_languages_fall_back_to_english(language):
    doc = build_invoice_document(two_rate_invoice(language=language), today=TODAY)
    assert doc.language == "en"
    assert doc.title == "Invoice"


def test_foreign_customer_gets_a_country_line_in_the_document_language():
    invoice = two_rate_invoice()
    invoice.customer.country = "BE"
    doc = build_invoice_document(invoice, today=TODAY)
    assert doc.customer.country_name == "België"


def test_partly_paid_invoice_shows_paid_and_open_amount_and_ignores_reversed_allocations():
    invoice = two_rate_invoice(issue_date=TODAY - timedelta(days=50), due_date=TODAY - timedelta(days=20))
    customer = invoice.customer
    first = services.record_payment(customer=customer, amount=D("500.00"), value_date=TODAY, by="test")
    second = services.record_payment(customer=customer, amount=D("100.00"), value_date=TODAY, by="test")
    services.allocate(invoice=invoice, payment=first, by="test")
    undone = services.allocate(invoice=invoice, payment=second, by="test")
    services.unallocate(allocation=undone, by="test")
    invoice.refresh_from_db()

    doc = build_invoice_document(invoice, today=TODAY)

    assert doc.paid == D("500.00")
    assert doc.open_amount == D("571.24")
    assert doc.total - doc.paid == doc.open_amount
    # Past the due date: pay now, not "before" a day that has gone.
    assert doc.payment_instructions.startswith(
        f"De vervaldatum (2 november 2026) is verstreken. Wij verzoeken u €{NBSP}571,24 per omgaande"
    )


def test_paid_invoice_says_thank_you():
    invoice = two_rate_invoice()
    payment = services.record_payment(
        customer=invoice.customer, amount=D("1071.24"), value_date=TODAY, by="t"
    )
    services.allocate(invoice=invoice, payment=payment, by="test")
    invoice.refresh_from_db()

    doc = build_invoice_document(invoice, today=TODAY)

    assert (doc.paid, doc.open_amount) == (D("1071.24"), D("0.00"))
    assert doc.payment_instructions == "Deze factuur is volledig betaald. Hartelijk dank."


def test_open_amount_settled_outside_the_system_is_the_truth():
    # An ERP import can lower the open amount without allocations here.
    invoice = two_rate_invoice(open_amount=D("71.24"))
    doc = build_invoice_document(invoice, today=TODAY)
    assert (doc.paid, doc.open_amount) == (D("1000.00"), D("71.24"))


def test_invoice_without_lines_gets_one_line_for_the_net_amount():
    invoice = make_invoice(number="F9", amount=D("1210.00"), vat_amount=D("210.00"), description="")
    doc = build_invoice_document(invoice, today=TODAY)

    assert len(doc.lines) == 1
    line = doc.lines[0]
    assert line.description == "Factuur F9"
    assert (line.quantity, line.unit_price, line.net_amount) == (D("1"), D("1000.00"), D("1000.00"))
    assert line.vat_rate == D("21")  # a whole rate explains the posted VAT
    assert [(row.rate, row.vat) for row in doc.vat_rows] == [(D("21"), D("210.00"))]


def test_invoice_without_lines_uses_its_description_and_odd_vat_has_no_rate():
    invoice = make_invoice(
        language="en", amount=D("1000.00"), vat_amount=D("123.45"), description="Services March 2026"
    )
    doc = build_invoice_document(invoice, today=TODAY)

    assert doc.lines[0].description == "Services March 2026"
    assert doc.lines[0].net_amount == D("876.55")
    assert doc.lines[0].vat_rate is None
    assert [(row.rate, row.vat) for row in doc.vat_rows] == [(None, D("123.45"))]


def test_rounding_difference_between_lines_and_posted_vat_goes_to_the_largest_rate():
    # Billing rounded VAT per line (3 x 0.07 = 0.22 with these prices), this copy per rate (0.21):
    # the posted VAT wins and the cent lands on the rate's row.
    lines = [("Schroef", "1", "0.33", "21"), ("Moer", "1", "0.33", "21"), ("Ring", "1", "0.34", "21")]
    invoice = make_invoice(lines=lines, amount=D("1.22"), vat_amount=D("0.22"))
    doc = build_invoice_document(invoice, today=TODAY)
    assert [(row.rate, row.base, row.vat) for row in doc.vat_rows] == [(D("21"), D("1.00"), D("0.22"))]


@pytest.mark.parametrize("sign", [1, -1], ids=["positive lines", "negative lines"])
def test_credit_note(sign):
    lines = [("Retour beschadigde goederen", "4", str(D("49.50") * sign), "21")]
    invoice = make_invoice(
        lines=lines, amount=D("-239.58"), vat_amount=D("-41.58"), open_amount=D("-239.58"), number="CN7"
    )
    doc = build_invoice_document(invoice, today=TODAY)

    assert doc.is_credit_note
    assert doc.title == "Creditnota"
    assert doc.total == D("-239.58")
    assert doc.net_total == D("-198.00")
    assert [line.net_amount for line in doc.lines] == [D("-198.00")]
    assert [line.unit_price for line in doc.lines] == [D("-49.50")]
    assert [(row.rate, row.vat) for row in doc.vat_rows] == [(D("21"), D("-41.58"))]
    assert doc.paid == D("0")
    assert doc.payment_instructions == (
        f"Het bedrag van €{NBSP}239,58 wordt verrekend met uw openstaande facturen of aan u "
        "terugbetaald. U hoeft niets te doen."
    )


def test_credit_note_in_english_partly_used():
    customer = CustomerFactory(language="en")
    credit = services.post_invoice(
        customer=customer, number="CN8", issue_date=TODAY, amount=D("-100.00"), by="test"
    )
    invoice = services.post_invoice(
        customer=customer, number="F8", issue_date=TODAY, amount=D("60.00"), by="t"
    )
    services.allocate(invoice=invoice, credit_note=credit, by="test")
    credit.refresh_from_db()

    doc = build_invoice_document(credit, today=TODAY)

    assert doc.title == "Credit note"
    assert (doc.total, doc.paid, doc.open_amount) == (D("-100.00"), D("-60.00"), D("-40.00"))
    assert doc.lines[0].description == "Credit note CN8"
    assert "€40.00" in doc.payment_instructions


# --- The PDF -------------------------------------------------------------------


def test_render_gives_a_pdf_at_position_zero():
    invoice = two_rate_invoice()
    pdf = render_invoice_pdf(invoice)

    assert pdf.tell() == 0
    data = pdf.read()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert page_count(data) == 1
    # All text is in the vendored font: nothing falls back to Helvetica.
    assert b"DejaVuSans" in data
    assert b"Helvetica" not in data


def test_120_lines_paginate_with_a_page_count():
    lines = [(f"Artikel {i:04d} Koffiebonen Arabica 1 kg", "2", "10.00", "9") for i in range(120)]
    invoice = make_invoice(lines=lines, amount=D("2616.00"), vat_amount=D("216.00"))
    renderer = InvoicePdf(build_invoice_document(invoice, today=TODAY))

    data = renderer.render().read()

    assert renderer.page_count > 1
    assert page_count(data) == renderer.page_count
    assert f"/Count {renderer.page_count}".encode() in data


def test_non_latin_1_names_render_in_the_embedded_font():
    name = "Ödön Çelik Ğıda Ltd. Şti. — Łódź"
    invoice = two_rate_invoice(name=name)
    data = render_invoice_pdf(invoice).read()

    assert data.startswith(b"%PDF-")
    register_fonts()
    face = pdfmetrics.getFont(FONT).face
    assert all(ord(char) in face.charToGlyph for char in name)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_pdf_text_as_a_reader_sees_it(tmp_path):
    lines = [(f"Artikel {i:04d}", "1", "10.00", "21") for i in range(120)]
    invoice = make_invoice(
        name="Ödön Çelik B.V.", lines=lines, amount=D("1452.00"), vat_amount=D("252.00"), number="F-LONG"
    )
    path = tmp_path / "invoice.pdf"
    path.write_bytes(render_invoice_pdf(invoice).read())

    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    pages = text.split("\f")

    total = len([page for page in pages if page.strip()])
    assert total > 1
    for number, page in enumerate(pages[:total], 1):
        assert f"Pagina {number} van {total}" in page
        assert "Omschrijving" in page  # the header row repeats on every page
        assert "KOPIE" in page
    assert "Ödön Çelik B.V." in pages[0]
    assert "Factuur" in pages[0]
    assert "Artikel 0119" in pages[total - 1]
    assert "Totaal incl. btw" in pages[total - 1]
    assert "1.452,00" in pages[total - 1]


def test_view_streams_the_pdf(controller_client):
    invoice = two_rate_invoice(number="F-VIEW")
    response = controller_client.get(reverse("accounts:invoice_pdf", args=[invoice.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="F-VIEW.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
