"""The PDF copy of an invoice or credit note.

Two steps, as everywhere in this code base: `build_invoice_document` reads the
invoice once and turns it into an `InvoiceDocument` of plain values (amounts as
Decimal, dates as date, labels already in the customer's language), and
`InvoicePdf` renders such a document with reportlab's platypus. Tests assert on
the document; the renderer only lays it out.

The PDF is always a *copy* (the original went out from the ERP or the billing
run), so every page carries a clear COPY/KOPIE mark. Texts are in the customer's
language (nl or en; other languages fall back to en), money and dates are
formatted with Babel for that locale. The fonts are vendored in static/fonts so
names such as "Ödön Çelik" render without depending on the system.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from pathlib import Path
from types import MappingProxyType

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.html import escape
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from stdnum import iban as stdnum_iban

from accounts.models import Invoice

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# --- Texts ------------------------------------------------------------------
#
# The PDF speaks the customer's language, not the user's, so the labels live
# here rather than in the UI catalog. Add a language by adding a dict.

LOCALES = {"nl": "nl_NL", "en": "en_GB"}
DEFAULT_LANGUAGE = "en"

LABELS: dict[str, dict[str, str]] = {
    "nl": {
        "invoice": "Factuur",
        "credit_note": "Creditnota",
        "copy": "KOPIE",
        "invoice_number": "Factuurnummer",
        "credit_note_number": "Creditnotanummer",
        "issue_date": "Factuurdatum",
        "credit_note_date": "Datum",
        "due_date": "Vervaldatum",
        "customer_number": "Klantnummer",
        "payment_terms": "Betalingstermijn",
        "payment_terms_value": "{days} dagen",
        "order_reference": "Uw referentie",
        "customer_vat": "Uw btw-nummer",
        "payment_reference": "Betalingskenmerk",
        "description": "Omschrijving",
        "quantity": "Aantal",
        "unit_price": "Prijs",
        "vat": "Btw",
        "amount": "Bedrag",
        "net_total": "Totaal excl. btw",
        "vat_row": "Btw {rate} over {base}",
        "vat_row_no_rate": "Btw",
        "total": "Totaal incl. btw",
        "paid": "Reeds betaald",
        "credit_paid": "Reeds verrekend",
        "open": "Nog te betalen",
        "credit_open": "Nog te verrekenen",
        "payment_heading": "Betaalinstructie",
        "credit_heading": "Verrekening",
        "pay": (
            "Wij verzoeken u {amount} vóór {due_date} over te maken op IBAN {iban}{bic} "
            "ten name van {company}, onder vermelding van {reference}."
        ),
        "pay_overdue": (
            "De vervaldatum ({due_date}) is verstreken. Wij verzoeken u {amount} per omgaande "
            "over te maken op IBAN {iban}{bic} ten name van {company}, onder vermelding van {reference}."
        ),
        "bic": " (BIC {bic})",
        "paid_in_full": "Deze factuur is volledig betaald. Hartelijk dank.",
        "credit_open_text": (
            "Het bedrag van {amount} wordt verrekend met uw openstaande facturen of aan u "
            "terugbetaald. U hoeft niets te doen."
        ),
        "credit_settled": "Deze creditnota is volledig verrekend.",
        "cancelled": "Deze factuur is geannuleerd; u hoeft niets te betalen.",
        "page": "Pagina {page} van {pages}",
        "kvk": "KvK",
        "vat_number": "Btw",
        "iban": "IBAN",
        "bic_short": "BIC",
        "phone": "T",
        "email": "E",
    },
    "en": {
        "invoice": "Invoice",
        "credit_note": "Credit note",
        "copy": "COPY",
        "invoice_number": "Invoice number",
        "credit_note_number": "Credit note number",
        "issue_date": "Invoice date",
        "credit_note_date": "Date",
        "due_date": "Due date",
        "customer_number": "Customer number",
        "payment_terms": "Payment terms",
        "payment_terms_value": "{days} days",
        "order_reference": "Your reference",
        "customer_vat": "Your VAT number",
        "payment_reference": "Payment reference",
        "description": "Description",
        "quantity": "Qty",
        "unit_price": "Unit price",
        "vat": "VAT",
        "amount": "Amount",
        "net_total": "Total excl. VAT",
        "vat_row": "VAT {rate} on {base}",
        "vat_row_no_rate": "VAT",
        "total": "Total incl. VAT",
        "paid": "Already paid",
        "credit_paid": "Already settled",
        "open": "Amount due",
        "credit_open": "Credit remaining",
        "payment_heading": "How to pay",
        "credit_heading": "Settlement",
        "pay": (
            "Please pay {amount} before {due_date} to IBAN {iban}{bic} in the name of {company}, "
            "stating {reference}."
        ),
        "pay_overdue": (
            "The due date ({due_date}) has passed. Please pay {amount} immediately to IBAN "
            "{iban}{bic} in the name of {company}, stating {reference}."
        ),
        "bic": " (BIC {bic})",
        "paid_in_full": "This invoice has been paid in full. Thank you.",
        "credit_open_text": (
            "The amount of {amount} will be offset against your open invoices or refunded to you. "
            "No action is needed."
        ),
        "credit_settled": "This credit note has been settled in full.",
        "cancelled": "This invoice has been cancelled; nothing is due.",
        "page": "Page {page} of {pages}",
        "kvk": "CoC",
        "vat_number": "VAT",
        "iban": "IBAN",
        "bic_short": "BIC",
        "phone": "T",
        "email": "E",
    },
}


def document_language(language: str | None) -> str:
    return language if language in LABELS else DEFAULT_LANGUAGE


def format_money(amount: Decimal, currency: str, locale: str) -> str:
    return format_currency(amount, currency, locale=locale)


def format_quantity(quantity: Decimal, locale: str) -> str:
    return format_decimal(quantity, format="#,##0.###", locale=locale)


def format_rate(rate: Decimal, locale: str) -> str:
    return format_decimal(rate, format="#,##0.##", locale=locale) + "%"


def format_iban(value: str) -> str:
    return stdnum_iban.format(value) if value else ""


# --- The document -------------------------------------------------------------


@dataclass(frozen=True)
class CompanyBlock:
    name: str
    address_lines: tuple[str, ...]
    country: str
    iban: str
    bic: str
    kvk: str
    vat: str
    email: str
    phone: str


@dataclass(frozen=True)
class CustomerBlock:
    name: str
    number: str
    address_lines: tuple[str, ...]
    postal_code: str
    city: str
    country: str
    # Empty when the customer is in the company's own country (domestic mail).
    country_name: str
    vat_number: str


@dataclass(frozen=True)
class DocumentLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal | None
    net_amount: Decimal


@dataclass(frozen=True)
class VatRow:
    rate: Decimal | None
    base: Decimal
    vat: Decimal


@dataclass(frozen=True)
class InvoiceDocument:
    language: str
    locale: str
    labels: Mapping[str, str]
    title: str
    copy_mark: str
    is_credit_note: bool
    is_cancelled: bool
    company: CompanyBlock
    customer: CustomerBlock
    number: str
    issue_date: date
    due_date: date
    payment_terms_days: int
    order_reference: str
    currency: str
    lines: tuple[DocumentLine, ...]
    net_total: Decimal
    vat_rows: tuple[VatRow, ...]
    vat_total: Decimal
    total: Decimal
    paid: Decimal
    open_amount: Decimal
    payment_reference: str
    payment_instructions: str

    def money(self, amount: Decimal) -> str:
        return format_money(amount, self.currency, self.locale)

    def long_date(self, value: date) -> str:
        return format_date(value, format="long", locale=self.locale)


def _company_block() -> CompanyBlock:
    company = getattr(settings, "COMPANY", {}) or {}
    address = company.get("address", "") or ""
    # "Industrieweg 12, 3542 AD Utrecht" becomes two lines; newlines work too.
    lines = [part.strip() for chunk in address.splitlines() for part in chunk.split(",")]
    return CompanyBlock(
        name=company.get("name", "") or "",
        address_lines=tuple(line for line in lines if line),
        country=(company.get("country", "") or "").upper(),
        iban=(company.get("iban", "") or "").replace(" ", "").upper(),
        bic=company.get("bic", "") or "",
        kvk=company.get("kvk", "") or "",
        vat=company.get("vat", "") or "",
        email=company.get("email", "") or "",
        phone=company.get("phone", "") or "",
    )


def _customer_block(invoice: Invoice, company: CompanyBlock, locale: str) -> CustomerBlock:
    customer = invoice.customer
    country = (customer.country or "").upper()
    country_name = ""
    if country and country != company.country:
        country_name = Locale.parse(locale).territories.get(country, country)
    return CustomerBlock(
        name=customer.name,
        number=customer.number,
        address_lines=tuple(line.strip() for line in (customer.address or "").splitlines() if line.strip()),
        postal_code=customer.postal_code,
        city=customer.city,
        country=country,
        country_name=country_name,
        vat_number=customer.vat_number,
    )


def _whole_rate(net: Decimal, vat: Decimal) -> Decimal | None:
    """The VAT rate of a document without lines, when a whole percentage explains it."""
    if net == 0 or vat == 0:
        # No VAT posted may as well mean "not given by the ERP": claim no 0% rate.
        return None
    rate = (vat * 100 / net).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    if rate < 0 or (net * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP) != vat:
        return None
    return rate


def _document_lines(
    invoice: Invoice, net_total: Decimal, labels: Mapping[str, str]
) -> tuple[DocumentLine, ...]:
    lines = list(invoice.lines.all())
    if not lines:
        # Imported from an ERP without lines: one line for the whole net amount.
        return (
            DocumentLine(
                description=invoice.description or f"{_title(invoice, labels)} {invoice.number}",
                quantity=Decimal("1"),
                unit_price=net_total,
                vat_rate=_whole_rate(net_total, invoice.vat_amount),
                net_amount=net_total,
            ),
        )
    # Credit-note lines are sometimes stored with positive prices: show them
    # with the sign of the document so the lines add up to its totals.
    sign = -1 if invoice.is_credit_note and sum(line.net_amount for line in lines) > 0 else 1
    return tuple(
        DocumentLine(
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price * sign,
            vat_rate=line.vat_rate,
            net_amount=line.net_amount * sign,
        )
        for line in lines
    )


def _vat_rows(invoice: Invoice, lines: tuple[DocumentLine, ...], net_total: Decimal) -> tuple[VatRow, ...]:
    """VAT per rate from the lines, reconciled with the VAT posted on the invoice.

    The posted amounts are the ledger's truth. Rounding per line in the billing
    system can differ a cent or so from rounding per rate here; that difference
    goes to the largest rate. Anything bigger means lines and header disagree:
    then the copy shows the posted VAT as one row rather than invent a split.
    """
    vat_total = invoice.vat_amount
    bases: dict[Decimal | None, Decimal] = {}
    for line in lines:
        bases[line.vat_rate] = bases.get(line.vat_rate, ZERO) + line.net_amount
    if None in bases:
        return (VatRow(rate=None, base=net_total, vat=vat_total),)
    rows = [
        VatRow(rate=rate, base=base, vat=(base * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP))
        for rate, base in sorted(bases.items(), key=lambda item: item[0], reverse=True)
    ]
    difference = vat_total - sum((row.vat for row in rows), ZERO)
    if difference and abs(difference) <= CENT * len(lines):
        largest = max(range(len(rows)), key=lambda i: abs(rows[i].base))
        row = rows[largest]
        rows[largest] = VatRow(rate=row.rate, base=row.base, vat=row.vat + difference)
    elif difference:
        logger.warning(
            "Invoice %s: VAT on the lines (%s) does not match the posted VAT (%s)",
            invoice.number,
            vat_total - difference,
            vat_total,
        )
        return (VatRow(rate=None, base=net_total, vat=vat_total),)
    # A rate with nothing on it (e.g. a line and its correction) says nothing.
    return tuple(row for row in rows if row.base or row.vat) or (
        VatRow(rate=None, base=net_total, vat=vat_total),
    )


def _title(invoice: Invoice, labels: Mapping[str, str]) -> str:
    return labels["credit_note"] if invoice.is_credit_note else labels["invoice"]


def _paid(invoice: Invoice) -> Decimal:
    """What is already settled, with the sign of the document (total - paid = open)."""
    if invoice.is_credit_note:
        used = invoice.credit_allocations.active().aggregate(total=Sum("amount"))["total"] or ZERO
        paid = -used
    else:
        paid = invoice.allocations.active().aggregate(total=Sum("amount"))["total"] or ZERO
    if invoice.status != Invoice.Status.CANCELLED and invoice.amount - paid != invoice.open_amount:
        # Settled outside this system (e.g. an ERP import that sets the open
        # amount): the stored open amount is the truth the customer must see.
        logger.info(
            "Invoice %s: allocations (%s) do not explain the open amount (%s)",
            invoice.number,
            paid,
            invoice.open_amount,
        )
        paid = invoice.amount - invoice.open_amount
    return paid


def _payment_instructions(
    *,
    invoice: Invoice,
    labels: Mapping[str, str],
    company: CompanyBlock,
    open_amount: Decimal,
    reference: str,
    locale: str,
    today: date,
) -> str:
    money = partial(format_money, currency=invoice.currency, locale=locale)
    if invoice.status == Invoice.Status.CANCELLED:
        return labels["cancelled"]
    if invoice.is_credit_note:
        if open_amount == 0:
            return labels["credit_settled"]
        return labels["credit_open_text"].format(amount=money(-open_amount))
    if open_amount <= 0:
        return labels["paid_in_full"]
    key = "pay_overdue" if invoice.due_date < today else "pay"
    return labels[key].format(
        amount=money(open_amount),
        due_date=format_date(invoice.due_date, format="long", locale=locale),
        iban=format_iban(company.iban),
        bic=labels["bic"].format(bic=company.bic) if company.bic else "",
        company=company.name,
        reference=reference,
    )


def build_invoice_document(
    invoice: Invoice, *, today: date | None = None, language: str | None = None
) -> InvoiceDocument:
    """Everything the PDF copy shows, as plain values in `language` (default: the customer's)."""
    today = today or timezone.localdate()
    language = document_language(language or invoice.customer.language)
    locale = LOCALES[language]
    labels = LABELS[language]
    company = _company_block()

    total = invoice.amount
    vat_total = invoice.vat_amount
    net_total = total - vat_total
    lines = _document_lines(invoice, net_total, labels)
    lines_net = sum((line.net_amount for line in lines), ZERO)
    if lines_net != net_total:
        logger.warning(
            "Invoice %s: the lines add up to %s net, the invoice says %s",
            invoice.number,
            lines_net,
            net_total,
        )
    paid = _paid(invoice)
    open_amount = invoice.open_amount
    reference = invoice.payment_reference or invoice.number

    return InvoiceDocument(
        language=language,
        locale=locale,
        labels=MappingProxyType(labels),
        title=_title(invoice, labels),
        copy_mark=labels["copy"],
        is_credit_note=invoice.is_credit_note,
        is_cancelled=invoice.status == Invoice.Status.CANCELLED,
        company=company,
        customer=_customer_block(invoice, company, locale),
        number=invoice.number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        payment_terms_days=(invoice.due_date - invoice.issue_date).days,
        order_reference=invoice.order_reference,
        currency=invoice.currency,
        lines=lines,
        net_total=net_total,
        vat_rows=_vat_rows(invoice, lines, net_total),
        vat_total=vat_total,
        total=total,
        paid=paid,
        open_amount=open_amount,
        payment_reference=reference,
        payment_instructions=_payment_instructions(
            invoice=invoice,
            labels=labels,
            company=company,
            open_amount=open_amount,
            reference=reference,
            locale=locale,
            today=today,
        ),
    )


# --- Rendering ----------------------------------------------------------------

FONT_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
FONT = "InvoiceSans"
FONT_BOLD = "InvoiceSans-Bold"


def register_fonts() -> None:
    """Register the vendored DejaVu Sans once per process (idempotent)."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


PAGE_WIDTH, PAGE_HEIGHT = A4
# DIN 5008 / NEN 1026 letter: 25 mm left margin, address window 20-105 mm from
# the left and 45-90 mm from the top (5 mm return line, then the address).
MARGIN_LEFT = 25 * mm
MARGIN_RIGHT = 20 * mm
MARGIN_TOP = 15 * mm
MARGIN_BOTTOM = 25 * mm
CONTENT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
WINDOW_TOP = 45 * mm
WINDOW_WIDTH = 85 * mm
INFO_LEFT = 125 * mm
FIRST_BODY_TOP = 98 * mm
NEXT_BODY_TOP = 27 * mm

INK = colors.HexColor("#1d2733")
MUTED = colors.HexColor("#5f6b7a")
ACCENT = colors.HexColor("#1f4e79")
RULE = colors.HexColor("#d5dbe3")
SHADE = colors.HexColor("#eef2f6")
COPY_RED = colors.HexColor("#b42318")
WATERMARK = colors.Color(0.71, 0.14, 0.09, alpha=0.05)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12, textColor=INK)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor=MUTED),
        "small_right": ParagraphStyle(
            "small_right", parent=base, fontSize=7.5, leading=9.8, textColor=MUTED, alignment=TA_RIGHT
        ),
        "return": ParagraphStyle("return", parent=base, fontSize=6.5, leading=8, textColor=MUTED),
        "address": ParagraphStyle("address", parent=base, fontSize=10, leading=13.5),
        "address_name": ParagraphStyle(
            "address_name", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13.5
        ),
        "fact_label": ParagraphStyle("fact_label", parent=base, fontSize=8, leading=11, textColor=MUTED),
        "fact_value": ParagraphStyle("fact_value", parent=base, fontSize=8.5, leading=11),
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=20, leading=24, textColor=ACCENT
        ),
        "copy": ParagraphStyle(
            "copy", parent=base, fontName=FONT_BOLD, fontSize=11, leading=13, textColor=COPY_RED, alignment=1
        ),
        "th": ParagraphStyle("th", parent=base, fontName=FONT_BOLD, fontSize=8, leading=10),
        "th_right": ParagraphStyle(
            "th_right", parent=base, fontName=FONT_BOLD, fontSize=8, leading=10, alignment=TA_RIGHT
        ),
        "td": ParagraphStyle("td", parent=base, fontSize=8.5, leading=11),
        "td_right": ParagraphStyle("td_right", parent=base, fontSize=8.5, leading=11, alignment=TA_RIGHT),
        "total_label": ParagraphStyle("total_label", parent=base, fontSize=9, leading=12),
        "total_value": ParagraphStyle("total_value", parent=base, fontSize=9, leading=12, alignment=TA_RIGHT),
        "grand_label": ParagraphStyle(
            "grand_label", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13
        ),
        "grand_value": ParagraphStyle(
            "grand_value", parent=base, fontName=FONT_BOLD, fontSize=10, leading=13, alignment=TA_RIGHT
        ),
        "box_heading": ParagraphStyle(
            "box_heading", parent=base, fontName=FONT_BOLD, fontSize=9.5, leading=13, textColor=ACCENT
        ),
        "box_text": ParagraphStyle("box_text", parent=base, fontSize=9, leading=13, alignment=TA_LEFT),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _table_style(commands: list) -> TableStyle:
    # Tables set their cell font even for Paragraph cells: keep it ours, not Helvetica.
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), *commands])


def _fit(text: str, font: str, size: float, width: float) -> str:
    """The text, cut short with an ellipsis when it is wider than width points."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip(" ·,") + "…"


class _NumberedCanvas(rl_canvas.Canvas):
    """Holds the pages back until the end so each footer can say "page 1 of N"."""

    def __init__(self, *args, draw_page_number, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._held_pages: list[dict] = []
        self._draw_page_number = draw_page_number

    def showPage(self) -> None:  # noqa: N802 (reportlab API)
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held_pages)
        for state in self._held_pages:
            self.__dict__.update(state)
            self._draw_page_number(self, self._pageNumber, total)
            super().showPage()
        super().save()


class _CopyStamp(Flowable):
    """A boxed, slightly rotated COPY/KOPIE stamp for beside the title."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.font_size = 12
        self.text_width = pdfmetrics.stringWidth(text, FONT_BOLD, self.font_size)
        self.width = self.text_width + 8 * mm
        self.height = 9 * mm

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.translate(self.width / 2, self.height / 2)
        c.rotate(4)
        c.setStrokeColor(COPY_RED)
        c.setFillColor(COPY_RED)
        c.setLineWidth(1.4)
        w, h = self.width - 2 * mm, self.height - 2 * mm
        c.roundRect(-w / 2, -h / 2, w, h, 1.5 * mm, stroke=1, fill=0)
        c.setFont(FONT_BOLD, self.font_size)
        c.drawCentredString(0, -self.font_size * 0.36, self.text)
        c.restoreState()


class InvoicePdf:
    """Renders an InvoiceDocument on A4: letterhead, window address, lines, totals, footer."""

    def __init__(self, document: InvoiceDocument) -> None:
        register_fonts()
        self.doc = document
        self.labels = document.labels
        self.styles = _styles()
        self.page_count = 0

    # Page furniture -----------------------------------------------------------

    def _company_details(self) -> list[str]:
        company, labels = self.doc.company, self.labels
        lines = list(company.address_lines)
        contact = []
        if company.phone:
            contact.append(f"{labels['phone']} {company.phone}")
        if company.email:
            contact.append(f"{labels['email']} {company.email}")
        registration = []
        if company.kvk:
            registration.append(f"{labels['kvk']} {company.kvk}")
        if company.vat:
            registration.append(f"{labels['vat_number']} {company.vat}")
        if company.iban:
            registration.append(f"{labels['iban']} {format_iban(company.iban)}")
        if company.bic:
            registration.append(f"{labels['bic_short']} {company.bic}")
        return lines + contact + registration

    def _watermark(self, canvas) -> None:
        canvas.saveState()
        canvas.setFillColor(WATERMARK)
        canvas.setFont(FONT_BOLD, 110)
        canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2 - 30 * mm)
        canvas.rotate(35)
        canvas.drawCentredString(0, 0, self.doc.copy_mark)
        canvas.restoreState()

    def _footer(self, canvas) -> None:
        company, labels = self.doc.company, self.labels
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN_LEFT, 18 * mm, PAGE_WIDTH - MARGIN_RIGHT, 18 * mm)
        canvas.setFont(FONT, 7)
        canvas.setFillColor(MUTED)
        first = " · ".join(part for part in [company.name, ", ".join(company.address_lines)] if part)
        second = " · ".join(
            part
            for part in [
                f"{labels['kvk']} {company.kvk}" if company.kvk else "",
                f"{labels['vat_number']} {company.vat}" if company.vat else "",
                f"{labels['iban']} {format_iban(company.iban)}" if company.iban else "",
                f"{labels['bic_short']} {company.bic}" if company.bic else "",
            ]
            if part
        )
        room = CONTENT_WIDTH - 30 * mm  # the page number sits at the right
        canvas.drawString(MARGIN_LEFT, 14 * mm, _fit(first, FONT, 7, room))
        canvas.drawString(MARGIN_LEFT, 10.5 * mm, _fit(second, FONT, 7, room))
        canvas.restoreState()

    def _draw_page_number(self, canvas, page: int, pages: int) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(
            PAGE_WIDTH - MARGIN_RIGHT, 14 * mm, self.labels["page"].format(page=page, pages=pages)
        )
        canvas.restoreState()

    def _first_page(self, canvas, _doc) -> None:
        self._watermark(canvas)
        company = self.doc.company
        top = PAGE_HEIGHT - MARGIN_TOP
        # Letterhead: the company name large, top left, with a short accent rule.
        name_style = ParagraphStyle(
            "letterhead", fontName=FONT_BOLD, fontSize=18, leading=21, textColor=ACCENT
        )
        details_lines = self._company_details()
        details_width = max(
            (
                pdfmetrics.stringWidth(line, FONT, self.styles["small_right"].fontSize)
                for line in details_lines
            ),
            default=0,
        )
        name = _p(company.name, name_style)
        _, name_height = name.wrap(CONTENT_WIDTH - details_width - 10 * mm, 40 * mm)
        name.drawOn(canvas, MARGIN_LEFT, top - name_height)
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(2)
        canvas.line(
            MARGIN_LEFT, top - name_height - 3 * mm, MARGIN_LEFT + 18 * mm, top - name_height - 3 * mm
        )
        # Company details: small, right aligned, top right.
        details = Paragraph("<br/>".join(escape(line) for line in details_lines), self.styles["small_right"])
        box_width = PAGE_WIDTH - MARGIN_RIGHT - INFO_LEFT
        _, details_height = details.wrap(box_width, 40 * mm)
        details.drawOn(canvas, INFO_LEFT, top - details_height + 1.5 * mm)
        # The address block and the invoice facts, both measured in _layout().
        self._address.drawOn(canvas, MARGIN_LEFT, PAGE_HEIGHT - WINDOW_TOP - self._address_height)
        self._facts.drawOn(canvas, INFO_LEFT, PAGE_HEIGHT - WINDOW_TOP - 5 * mm - self._facts_height)
        self._footer(canvas)

    def _later_page(self, canvas, _doc) -> None:
        self._watermark(canvas)
        top = PAGE_HEIGHT - MARGIN_TOP
        canvas.saveState()
        # Company name left; "Factuur F123 · Customer    KOPIE" right, shortened to fit.
        name = _fit(self.doc.company.name, FONT_BOLD, 11, CONTENT_WIDTH / 2)
        canvas.setFont(FONT_BOLD, 11)
        canvas.setFillColor(ACCENT)
        canvas.drawString(MARGIN_LEFT, top - 4 * mm, name)
        mark_width = pdfmetrics.stringWidth(self.doc.copy_mark, FONT_BOLD, 8.5)
        room = CONTENT_WIDTH - pdfmetrics.stringWidth(name, FONT_BOLD, 11) - mark_width - 12 * mm
        right = _fit(f"{self.doc.title} {self.doc.number} · {self.doc.customer.name}", FONT, 8.5, room)
        canvas.setFont(FONT, 8.5)
        canvas.setFillColor(INK)
        canvas.drawRightString(PAGE_WIDTH - MARGIN_RIGHT - mark_width - 4 * mm, top - 4 * mm, right)
        canvas.setFont(FONT_BOLD, 8.5)
        canvas.setFillColor(COPY_RED)
        canvas.drawRightString(PAGE_WIDTH - MARGIN_RIGHT, top - 4 * mm, self.doc.copy_mark)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN_LEFT, top - 7 * mm, PAGE_WIDTH - MARGIN_RIGHT, top - 7 * mm)
        canvas.restoreState()
        self._footer(canvas)

    # Blocks -----------------------------------------------------------------

    def _address_block(self) -> Table:
        doc, styles = self.doc, self.styles
        company = doc.company
        return_line = " · ".join(part for part in [company.name, ", ".join(company.address_lines)] if part)
        rows = [[_p(return_line, styles["return"])], [_p(doc.customer.name, styles["address_name"])]]
        for line in doc.customer.address_lines:
            rows.append([_p(line, styles["address"])])
        place = "  ".join(part for part in [doc.customer.postal_code, doc.customer.city] if part)
        if place:
            rows.append([_p(place, styles["address"])])
        if doc.customer.country_name:
            rows.append([_p(doc.customer.country_name.upper(), styles["address"])])
        table = Table(rows, colWidths=[WINDOW_WIDTH - 5 * mm])
        table.setStyle(
            _table_style(
                [
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                    # The return line sits in the top 5 mm of the window.
                    ("BOTTOMPADDING", (0, 0), (0, 0), 5 * mm - 8),
                ]
            )
        )
        return table

    def _facts_table(self) -> Table:
        doc, labels, styles = self.doc, self.labels, self.styles
        credit = doc.is_credit_note
        facts = [
            (labels["credit_note_number" if credit else "invoice_number"], doc.number),
            (labels["credit_note_date" if credit else "issue_date"], doc.long_date(doc.issue_date)),
        ]
        if not credit:
            facts.append((labels["due_date"], doc.long_date(doc.due_date)))
            facts.append(
                (labels["payment_terms"], labels["payment_terms_value"].format(days=doc.payment_terms_days))
            )
        facts.append((labels["customer_number"], doc.customer.number))
        if doc.order_reference:
            facts.append((labels["order_reference"], doc.order_reference))
        if doc.customer.vat_number:
            facts.append((labels["customer_vat"], doc.customer.vat_number))
        if not credit and doc.payment_reference != doc.number:
            facts.append((labels["payment_reference"], doc.payment_reference))
        label_width = 30 * mm
        table = Table(
            [[_p(label, styles["fact_label"]), _p(value, styles["fact_value"])] for label, value in facts],
            colWidths=[label_width, PAGE_WIDTH - MARGIN_RIGHT - INFO_LEFT - label_width],
        )
        table.setStyle(
            _table_style(
                [
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return table

    def _title_block(self) -> Table:
        table = Table(
            [[_p(self.doc.title, self.styles["title"]), _CopyStamp(self.doc.copy_mark)]],
            colWidths=[CONTENT_WIDTH - 40 * mm, 40 * mm],
        )
        table.setStyle(
            _table_style(
                [
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ]
            )
        )
        return table

    def _lines_table(self) -> Table:
        doc, labels, styles = self.doc, self.labels, self.styles
        header = [
            _p(labels["description"], styles["th"]),
            _p(labels["quantity"], styles["th_right"]),
            _p(labels["unit_price"], styles["th_right"]),
            _p(labels["vat"], styles["th_right"]),
            _p(labels["amount"], styles["th_right"]),
        ]
        rows = [header]
        for line in doc.lines:
            rows.append(
                [
                    _p(line.description, styles["td"]),
                    _p(format_quantity(line.quantity, doc.locale), styles["td_right"]),
                    _p(doc.money(line.unit_price), styles["td_right"]),
                    _p(
                        format_rate(line.vat_rate, doc.locale) if line.vat_rate is not None else "",
                        styles["td_right"],
                    ),
                    _p(doc.money(line.net_amount), styles["td_right"]),
                ]
            )
        widths = [15 * mm, 24 * mm, 12 * mm, 26 * mm]
        table = Table(rows, colWidths=[CONTENT_WIDTH - sum(widths), *widths], repeatRows=1)
        table.setStyle(
            _table_style(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 3.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
                    ("LEFTPADDING", (0, 0), (-1, -1), 4),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        return table

    def _totals_table(self) -> Table:
        doc, labels, styles = self.doc, self.labels, self.styles
        rows = [(labels["net_total"], doc.money(doc.net_total), False)]
        for row in doc.vat_rows:
            if row.rate is None:
                label = labels["vat_row_no_rate"]
            else:
                label = labels["vat_row"].format(
                    rate=format_rate(row.rate, doc.locale), base=doc.money(row.base)
                )
            rows.append((label, doc.money(row.vat), False))
        rows.append((labels["total"], doc.money(doc.total), True))
        show_balance = doc.paid != 0 or doc.open_amount != doc.total
        if show_balance:
            rows.append((labels["credit_paid" if doc.is_credit_note else "paid"], doc.money(doc.paid), False))
            rows.append(
                (labels["credit_open" if doc.is_credit_note else "open"], doc.money(doc.open_amount), True)
            )
        data = [
            [
                _p(label, styles["grand_label" if bold else "total_label"]),
                _p(value, styles["grand_value" if bold else "total_value"]),
            ]
            for label, value, bold in rows
        ]
        table = Table(data, colWidths=[62 * mm, 30 * mm], hAlign="RIGHT")
        total_row = len(doc.vat_rows) + 1
        style = [
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("LINEABOVE", (0, total_row), (-1, total_row), 0.8, INK),
        ]
        if show_balance:
            style += [
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK),
                ("BACKGROUND", (0, -1), (-1, -1), SHADE),
            ]
        else:
            style.append(("BACKGROUND", (0, total_row), (-1, total_row), SHADE))
        table.setStyle(_table_style(style))
        return table

    def _instructions(self) -> Paragraph:
        """The payment text with the amount, IBAN and reference in bold and never broken."""
        doc = self.doc
        text = escape(doc.payment_instructions)
        if doc.is_cancelled or doc.is_credit_note or doc.open_amount <= 0:
            return Paragraph(text, self.styles["box_text"])
        tokens = [doc.money(doc.open_amount), format_iban(doc.company.iban), doc.payment_reference]
        pattern = "|".join(
            re.escape(escape(token)) for token in sorted(tokens, key=len, reverse=True) if token
        )
        text = re.sub(pattern, lambda m: "<b>" + m.group(0).replace(" ", "\u00a0") + "</b>", text)
        return Paragraph(text, self.styles["box_text"])

    def _payment_box(self) -> Table:
        doc, labels, styles = self.doc, self.labels, self.styles
        heading = labels["credit_heading"] if doc.is_credit_note else labels["payment_heading"]
        table = Table(
            [[[_p(heading, styles["box_heading"]), Spacer(0, 1.5 * mm), self._instructions()]]],
            colWidths=[CONTENT_WIDTH],
        )
        table.setStyle(
            _table_style(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                    ("LINEBEFORE", (0, 0), (0, -1), 2.5, ACCENT),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                    ("TOPPADDING", (0, 0), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 9),
                ]
            )
        )
        return table

    # Assembly ---------------------------------------------------------------

    def _layout(self) -> None:
        self._address = self._address_block()
        _, self._address_height = self._address.wrap(WINDOW_WIDTH, 60 * mm)
        self._facts = self._facts_table()
        _, self._facts_height = self._facts.wrap(PAGE_WIDTH - MARGIN_RIGHT - INFO_LEFT, 60 * mm)
        # The body starts below the window, or below a long address or facts block.
        lowest = WINDOW_TOP + max(self._address_height, 5 * mm + self._facts_height) + 8 * mm
        self._first_body_top = max(FIRST_BODY_TOP, lowest)

    def render(self) -> io.BytesIO:
        self._layout()
        buffer = io.BytesIO()
        doc = self.doc
        template = BaseDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN_LEFT,
            rightMargin=MARGIN_RIGHT,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=f"{doc.title} {doc.number}",
            author=doc.company.name,
            subject=f"{doc.title} {doc.number} – {doc.customer.name} ({doc.copy_mark})",
            creator="creditmgmt",
            initialFontName=FONT,
        )
        body_height = PAGE_HEIGHT - MARGIN_BOTTOM
        first_frame = Frame(
            MARGIN_LEFT,
            MARGIN_BOTTOM,
            CONTENT_WIDTH,
            body_height - self._first_body_top,
            id="first",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        later_frame = Frame(
            MARGIN_LEFT,
            MARGIN_BOTTOM,
            CONTENT_WIDTH,
            body_height - NEXT_BODY_TOP,
            id="later",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        template.addPageTemplates(
            [
                PageTemplate(
                    id="first", frames=[first_frame], onPage=self._first_page, autoNextPageTemplate="later"
                ),
                PageTemplate(id="later", frames=[later_frame], onPage=self._later_page),
            ]
        )
        story = [
            self._title_block(),
            Spacer(0, 6 * mm),
            self._lines_table(),
            Spacer(0, 4 * mm),
            KeepTogether([self._totals_table(), Spacer(0, 8 * mm), self._payment_box()]),
        ]
        template.build(
            story,
            canvasmaker=partial(_NumberedCanvas, draw_page_number=self._draw_page_number),
        )
        self.page_count = template.page
        buffer.seek(0)
        return buffer


def render_invoice_pdf(invoice: Invoice, *, language: str | None = None) -> io.BytesIO:
    """The PDF copy of an invoice or credit note, as a file-like object at position 0, in
    `language` (default: the customer's; the portal passes the language the customer chose)."""
    return InvoicePdf(build_invoice_document(invoice, language=language)).render()
