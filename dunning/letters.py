"""Letters as PDF: build each letter's data, then one reportlab class lays out many in one file.

The day's letters go to the printer as one print-ready PDF (each letter starts
on a new page, the address sits in the window of a DIN/NEN envelope). Fonts
and colours are the invoice copy's (accounts.pdf), so the documents match.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from django.conf import settings
from django.utils.html import escape
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
)

from accounts.pdf import ACCENT, FONT, FONT_BOLD, INK, MUTED, RULE, register_fonts
from creditmgmt.templatetags.money import LOCALES  # nl, en, de, fr: a German letter gets a German date

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_LEFT = 25 * mm
MARGIN_RIGHT = 20 * mm
WINDOW_TOP = 50 * mm


@dataclass(frozen=True)
class LetterDocument:
    language: str
    recipient: tuple[str, ...]  # address lines, name first
    date: date
    subject: str
    body: str
    reference: str = ""


def build_letter(
    *, language: str, recipient: str, day: date, subject: str, body: str, reference: str = ""
) -> LetterDocument:
    return LetterDocument(
        language=language,
        recipient=tuple(line for line in recipient.splitlines() if line.strip()),
        date=day,
        subject=subject,
        body=body,
        reference=reference,
    )


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("letter", fontName=FONT, fontSize=10, leading=14, textColor=INK)
    return {
        "body": base,
        "subject": ParagraphStyle("subject", parent=base, fontName=FONT_BOLD, fontSize=11, leading=15),
        "address": ParagraphStyle("address", parent=base, fontSize=10.5, leading=14),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10, textColor=MUTED),
    }


class LetterPdf:
    """Renders letters (one or many) into one PDF; each letter starts on a new page."""

    def __init__(self, letters: Sequence[LetterDocument]) -> None:
        register_fonts()
        self.letters = list(letters)
        self.styles = _styles()
        self.company = settings.COMPANY
        self._current: LetterDocument | None = None

    def _letterhead(self, canvas, doc) -> None:
        company = self.company
        canvas.saveState()
        canvas.setFillColor(ACCENT)
        canvas.setFont(FONT_BOLD, 15)
        canvas.drawString(MARGIN_LEFT, PAGE_HEIGHT - 22 * mm, company["name"])
        canvas.setFont(FONT, 8)
        canvas.setFillColor(MUTED)
        right = PAGE_WIDTH - MARGIN_RIGHT
        for i, line in enumerate(
            [
                company["address"],
                company["phone"],
                company["email"],
                f"KvK {company['kvk']} · {company['vat']}",
            ]
        ):
            canvas.drawRightString(right, PAGE_HEIGHT - 17 * mm - i * 10, line)
        canvas.setStrokeColor(RULE)
        canvas.line(MARGIN_LEFT, PAGE_HEIGHT - 35 * mm, right, PAGE_HEIGHT - 35 * mm)
        # Return address line above the window.
        canvas.setFont(FONT, 6.5)
        canvas.drawString(
            MARGIN_LEFT, PAGE_HEIGHT - WINDOW_TOP + 4 * mm, f"{company['name']} · {company['address']}"
        )
        canvas.setFont(FONT, 7.5)
        canvas.drawString(
            MARGIN_LEFT,
            12 * mm,
            f"IBAN {company['iban']} · BIC {company['bic']} · KvK {company['kvk']} · {company['email']}",
        )
        canvas.restoreState()

    def _story(self) -> list:
        story: list = []
        s = self.styles
        for index, letter in enumerate(self.letters):
            if index:
                story += [NextPageTemplate("first"), PageBreak()]
            locale = LOCALES.get(letter.language, "en_GB")
            address = "<br/>".join(escape(line) for line in letter.recipient)
            story.append(Paragraph(address, s["address"]))
            story.append(Spacer(1, 18 * mm))
            place = self.company["address"].split(",")[-1].strip().split(" ")[-1]
            dated = f"{place}, {format_date(letter.date, format='long', locale=locale)}"
            story.append(Paragraph(escape(dated), s["body"]))
            if letter.reference:
                story.append(Paragraph(escape(letter.reference), s["small"]))
            story.append(Spacer(1, 6 * mm))
            story.append(Paragraph(escape(letter.subject), s["subject"]))
            story.append(Spacer(1, 4 * mm))
            story.append(NextPageTemplate("later"))
            for paragraph in letter.body.split("\n\n"):
                html = "<br/>".join(escape(line) for line in paragraph.strip("\n").splitlines())
                if html:
                    story.append(Paragraph(html, s["body"]))
                    story.append(Spacer(1, 3 * mm))
        return story

    def render(self) -> io.BytesIO:
        buffer = io.BytesIO()
        width = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
        first = Frame(
            MARGIN_LEFT, 20 * mm, width, PAGE_HEIGHT - WINDOW_TOP - 20 * mm, id="first", showBoundary=0
        )
        later = Frame(MARGIN_LEFT, 20 * mm, width, PAGE_HEIGHT - 45 * mm, id="later", showBoundary=0)
        doc = BaseDocTemplate(
            buffer,
            pagesize=A4,
            title="Letters",
            author=self.company["name"],
            leftMargin=MARGIN_LEFT,
            rightMargin=MARGIN_RIGHT,
        )
        doc.addPageTemplates(
            [
                PageTemplate(id="first", frames=[first], onPage=self._letterhead),
                PageTemplate(id="later", frames=[later], onPage=self._letterhead),
            ]
        )
        story = self._story() or [Spacer(1, 1)]
        doc.build(story)
        buffer.seek(0)
        return buffer


def render_letters(letters: Sequence[LetterDocument]) -> bytes:
    return LetterPdf(letters).render().getvalue()
