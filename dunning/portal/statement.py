"""The statement of account with aging, as a PDF in the customer's language (reportlab).

Like the invoice copy (accounts/pdf.py, whose fonts and company block it reuses),
the document speaks the customer's language, so its labels live here.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from accounts.models import ZERO, Customer, Invoice
from accounts.pdf import (
    ACCENT,
    FONT_BOLD,
    INK,
    LOCALES,
    MUTED,
    RULE,
    SHADE,
    _company_block,
    _p,
    _styles,
    _table_style,
    format_iban,
    format_money,
    register_fonts,
)

LABELS = {
    "nl": {
        "title": "Rekeningoverzicht",
        "date": "Datum",
        "customer_number": "Klantnummer",
        "invoice": "Factuur",
        "issue_date": "Datum",
        "due_date": "Vervalt",
        "amount": "Bedrag",
        "open": "Open",
        "days": "Te laat",
        "reference": "Betalingskenmerk",
        "total": "Totaal open",
        "aging": "Ouderdom",
        "buckets": ["Niet vervallen", "1-30 dagen", "31-60 dagen", "61-90 dagen", "> 90 dagen"],
        "pay": "Betaal naar {iban} t.n.v. {company} met het betalingskenmerk van elke factuur.",
        "none": "Er staan geen facturen open.",
    },
    "en": {
        "title": "Statement of account",
        "date": "Date",
        "customer_number": "Customer number",
        "invoice": "Invoice",
        "issue_date": "Date",
        "due_date": "Due",
        "amount": "Amount",
        "open": "Open",
        "days": "Days late",
        "reference": "Payment reference",
        "total": "Total open",
        "aging": "Aging",
        "buckets": ["Not yet due", "1-30 days", "31-60 days", "61-90 days", "> 90 days"],
        "pay": "Pay to {iban} in the name of {company}, with each invoice's payment reference.",
        "none": "No invoices are open.",
    },
}
BUCKET_LIMITS = (0, 30, 60, 90)


@dataclass(frozen=True)
class Aging:
    buckets: list[Decimal]
    total: Decimal


def aging(invoices: Sequence[Invoice], today: date) -> Aging:
    """Open amounts by days overdue: not due, 1-30, 31-60, 61-90, over 90 (credit notes count as not due)."""
    buckets = [ZERO] * 5
    for invoice in invoices:
        late = (today - invoice.due_date).days
        index = sum(1 for limit in BUCKET_LIMITS if late > limit)
        buckets[index] += invoice.open_amount
    return Aging(buckets=buckets, total=sum(buckets, ZERO))


def render_statement_pdf(
    customer: Customer, invoices: Sequence[Invoice], *, today: date, language: str
) -> io.BytesIO:
    register_fonts()
    language = language if language in LABELS else "en"
    labels, locale = LABELS[language], LOCALES[language]
    styles = _styles()
    company = _company_block()

    def money(value: Decimal) -> str:
        return format_money(value, customer.currency, locale)

    def day(value: date) -> str:
        return format_date(value, format="short", locale=locale)

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{labels['title']} {customer.number}",
        author=company.name,
    )
    story: list = [
        Table(
            [
                [
                    _p(company.name, styles["address_name"]),
                    Paragraph(f"<b>{labels['title']}</b>", styles["title"]),
                ],
                [_p(", ".join(company.address_lines), styles["small"]), ""],
            ],
            colWidths=[85 * mm, 85 * mm],
            style=_table_style([("ALIGN", (1, 0), (1, 0), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "TOP")]),
        ),
        Spacer(1, 8 * mm),
        Table(
            [
                [
                    _p(customer.name, styles["address_name"]),
                    _p(labels["date"], styles["fact_label"]),
                    _p(format_date(today, format="long", locale=locale), styles["fact_value"]),
                ],
                [
                    _p(customer.address, styles["address"]),
                    _p(labels["customer_number"], styles["fact_label"]),
                    _p(customer.number, styles["fact_value"]),
                ],
                [_p(f"{customer.postal_code} {customer.city}".strip(), styles["address"]), "", ""],
            ],
            colWidths=[95 * mm, 35 * mm, 40 * mm],
            style=_table_style([("VALIGN", (0, 0), (-1, -1), "TOP")]),
        ),
        Spacer(1, 8 * mm),
    ]
    summary = aging(invoices, today)
    story.append(_p(labels["aging"], styles["box_heading"]))
    story.append(
        Table(
            [
                [_p(b, styles["th_right"]) for b in labels["buckets"]],
                [_p(money(v), styles["td_right"]) for v in summary.buckets],
            ],
            colWidths=[34 * mm] * 5,
            style=_table_style(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.5, RULE),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            ),
        )
    )
    story.append(Spacer(1, 6 * mm))
    header = [
        _p(labels["invoice"], styles["th"]),
        _p(labels["issue_date"], styles["th"]),
        _p(labels["due_date"], styles["th"]),
        _p(labels["reference"], styles["th"]),
        _p(labels["amount"], styles["th_right"]),
        _p(labels["open"], styles["th_right"]),
        _p(labels["days"], styles["th_right"]),
    ]
    rows = [header]
    for invoice in invoices:
        late = max((today - invoice.due_date).days, 0)
        # Plain strings, not Paragraphs: a statement of hundreds of lines renders several times faster.
        rows.append(
            [
                invoice.number,
                day(invoice.issue_date),
                day(invoice.due_date),
                invoice.payment_reference or invoice.number,
                money(invoice.amount),
                money(invoice.open_amount),
                str(late) if late else "",
            ]
        )
    rows.append(["", "", "", labels["total"], "", money(summary.total), ""])
    story.append(
        Table(
            rows,
            colWidths=[20 * mm, 22 * mm, 22 * mm, 40 * mm, 24 * mm, 24 * mm, 18 * mm],
            repeatRows=1,
            style=_table_style(
                [
                    ("FONTSIZE", (0, 1), (-1, -1), 8.5),
                    ("TEXTCOLOR", (0, 1), (-1, -1), INK),
                    ("ALIGN", (4, 1), (-1, -1), "RIGHT"),
                    ("FONTNAME", (0, -1), (-1, -1), FONT_BOLD),
                    ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                    ("LINEBELOW", (0, 0), (-1, -2), 0.4, RULE),
                    ("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            ),
        )
    )
    if not invoices:
        story.append(_p(labels["none"], styles["base"]))
    story.append(Spacer(1, 6 * mm))
    story.append(
        _p(labels["pay"].format(iban=format_iban(company.iban), company=company.name), styles["box_text"])
    )

    def footer(canvas, _doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT_BOLD, 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(20 * mm, 10 * mm, f"{company.name} · KvK {company.kvk} · {company.email}")
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, str(canvas.getPageNumber()))
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    buffer.seek(0)
    return buffer
