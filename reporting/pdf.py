"""The manager dashboard as a PDF report (reportlab platypus): the same figures as the page."""

from __future__ import annotations

import io
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from accounts.pdf import FONT, FONT_BOLD, register_fonts
from creditmgmt.templatetags.money import money
from reporting import queries
from reporting.cure import cure_rates
from reporting.empty import NO_SALES, NO_STEPS, NONE_RESOLVED, NOTHING_OWED, Empty, cei_empty
from reporting.models import BUCKET_LABELS, CREDIT_LABEL
from reporting.snapshots import first_of_month

INK = colors.HexColor("#1d2733")
MUTED = colors.HexColor("#5f6b7a")
RULE = colors.HexColor("#d5dbe3")
SHADE = colors.HexColor("#eef2f6")


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12, textColor=INK)
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=16, leading=20),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=8),
        "muted": ParagraphStyle("muted", parent=base, textColor=MUTED, fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10),
        "empty": ParagraphStyle(
            "empty", parent=base, fontSize=8.5, leading=10, textColor=MUTED, alignment=TA_RIGHT
        ),
    }


HEAD = ParagraphStyle("head", fontName=FONT_BOLD, fontSize=8, leading=9.5, textColor=MUTED)
HEAD_RIGHT = ParagraphStyle("head_right", parent=HEAD, alignment=TA_RIGHT)


def _table(rows: list[list], widths: list[float], *, numeric_from: int = 1) -> Table:
    # Column heads wrap rather than run into their neighbours (Dutch ones are long).
    head = [
        Paragraph(escape(str(h)), HEAD_RIGHT if n >= numeric_from else HEAD) if isinstance(h, str) else h
        for n, h in enumerate(rows[0])
    ]
    table = Table([head, *rows[1:]], colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8.5),
                ("FONT", (0, 0), (-1, 0), FONT_BOLD, 8),
                ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _number(value) -> str:
    """A figure in the report's language (53,1 in Dutch), rounded to one decimal as the page's
    floatformat does (number_format alone cuts off: an aging share of 28.57 % printed 28.5)."""
    return number_format(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), decimal_pos=1)


class _Figures:
    """The report's figures; one without data is called by its word, as on the dashboard
    (reporting.empty), and each word printed is explained under the tables."""

    def __init__(self, style: ParagraphStyle) -> None:
        self.style = style
        self.used: list[Empty] = []

    def __call__(self, value, empty: Empty) -> str | Paragraph:
        if value is not None:
            return _number(value)
        if not any(e is empty for e in self.used):
            self.used.append(empty)
        return Paragraph(escape(str(empty.word)), self.style)  # wraps in a narrow column

    def notes(self, style: ParagraphStyle) -> list[Paragraph]:
        return [Paragraph(escape(f"{e.word}: {e.reason}"), style) for e in self.used]


def dashboard_pdf(
    filters: queries.Filters, *, today: date, title_note: str = "", with_controllers: bool = True
) -> bytes:
    """The report in the active language; empty book: a one-line report saying so."""
    register_fonts()
    styles = _styles()
    board = queries.dashboard(filters, today=today)
    cur = filters.currency
    story: list = [
        Paragraph(_("Credit book report") + f" — {settings.COMPANY['name']}", styles["title"]),
        Paragraph(title_note, styles["muted"]),
        Spacer(0, 4 * mm),
    ]
    if board.current is None:
        story.append(Paragraph(_("No snapshots yet."), styles["base"]))
        return _build(story)
    c = board.current
    story.append(
        Paragraph(
            _("The credit book on %(day)s in %(currency)s.")
            % {"day": date_format(board.day, "DATE_FORMAT"), "currency": cur},
            styles["base"],
        )
    )
    figure = _Figures(styles["empty"])
    last_end, last_cei = board.cei[-1] if board.cei else (board.day, None)
    figures = [
        [_("Open"), _("Overdue"), _("Overdue %"), _("DSO (countback)"), _("Best possible DSO"), "CEI"],
        [
            money(c.open_amount, cur),
            money(c.overdue, cur),
            figure(board.overdue_share, NOTHING_OWED),
            figure(board.countback_dso, NO_SALES),
            figure(board.best_possible_dso, NO_SALES),
            figure(last_cei, cei_empty(last_end, board.cei_unmeasured)),
        ],
    ]
    disputed = [
        [_("Disputed"), _("Disputed DSO"), _("Collectable DSO"), _("DSO (standard)"), _("Days delinquent")],
        [
            money(c.disputed, cur),
            figure(board.disputed_dso, NO_SALES),
            figure(board.collectable_dso, NO_SALES),
            figure(board.dso, NO_SALES),
            figure(board.average_days_delinquent, NO_SALES),
        ],
    ]
    story += [
        Spacer(0, 3 * mm),
        _table(figures, [32 * mm, 30 * mm, 24 * mm, 30 * mm, 30 * mm, 28 * mm], numeric_from=0),
        Spacer(0, 2 * mm),
        _table(disputed, [32 * mm, 30 * mm, 32 * mm, 32 * mm, 38 * mm], numeric_from=0),
    ]

    story.append(Paragraph(_("Aging"), styles["h2"]))
    aging = [[_("Bucket"), _("Amount"), "%"]] + [
        [str(BUCKET_LABELS[b]), money(amount, cur), _number(share)]
        for b, amount, share in queries.aging_totals(c)
    ]
    if c.credit:  # apart from the buckets, as on the page
        aging += [
            [_("Open invoices"), money(c.owed, cur), _number(100)],
            [str(CREDIT_LABEL), money(c.credit, cur), ""],
            [_("Open on balance"), money(c.open_amount, cur), ""],
        ]
    story.append(_table(aging, [60 * mm, 40 * mm, 20 * mm]))
    if c.credit:
        story.append(Spacer(0, 1 * mm))
        story.append(
            Paragraph(
                _(
                    "Unapplied credit: open credit notes, not yet set against an invoice. It is credit the "
                    "customer has, not money overdue, so the buckets and the overdue share leave it out."
                ),
                styles["muted"],
            )
        )

    story.append(Paragraph(_("Open and overdue per month"), styles["h2"]))
    cei = dict(board.cei)
    trend = [[_("Month end"), _("Open"), _("Overdue"), "CEI %"]] + [
        [
            date_format(p.date, "DATE_FORMAT"),
            money(p.open_amount, cur),
            money(p.overdue, cur),
            figure(cei.get(p.date), cei_empty(p.date, board.cei_unmeasured)),
        ]
        for p in board.trend
    ]
    story.append(_table(trend, [40 * mm, 40 * mm, 40 * mm, 30 * mm]))

    story.append(Paragraph(_("Top debtors"), styles["h2"]))
    top = [[_("Customer"), _("Overdue"), _("Over 90 days"), _("Open")]] + [
        [f"{s.customer.name} ({s.customer.number})", money(s.overdue, cur), money(s.d90_plus, cur),
         money(s.open_amount, cur)]
        for s in queries.top_debtors(filters, board.day)
    ]  # fmt: skip
    story.append(_table(top, [78 * mm, 32 * mm, 32 * mm, 32 * mm]))

    controllers = queries.by_controller(filters, board.day) if with_controllers else []
    if controllers:
        story.append(Paragraph(_("Per controller"), styles["h2"]))
        rows = [[_("Controller"), _("Customers"), _("Open"), _("Overdue"), "%", _("Collected"),
                 _("Tasks"), _("Cured %")]] + [
            [r["name"] if r["controller_id"] else _("Nobody"), r["customers"], money(r["open"], cur),
             money(r["overdue"], cur), figure(r["share"], NOTHING_OWED), money(r["collected"], cur),
             r["tasks_done"], figure(r["cure_rate"], NO_STEPS)]
            for r in controllers
        ]  # fmt: skip
        widths = [30 * mm, 19.5 * mm, 26 * mm, 26 * mm, 18 * mm, 24 * mm, 13 * mm, 17.5 * mm]
        story.append(_table(rows, widths))

    cure = (
        cure_rates(first_of_month(board.day, filters.months - 1), board.day, filters)
        if filters.customer_ids is None  # per step over the whole book: not for one sales rep's customers
        else []
    )
    if cure:
        story.append(Paragraph(_("Cure rate per dunning step"), styles["h2"]))
        rows = [[_("Procedure"), _("Step"), _("Steps taken"), _("Cured"), "%"]] + [
            [r["procedure"], _step_label(r), r["actions"], r["cured"], figure(r["rate"], NO_STEPS)]
            for r in cure
        ]
        widths = [40 * mm, 56 * mm, 25 * mm, 25 * mm, 20 * mm]
        if any(r["verdict"] for r in cure):  # template variants: each compared with the reference
            rows[0].append(_("Variants compared"))
            for row, r in zip(rows[1:], cure, strict=True):
                text = f"{r['verdict']} ({r['test']})" if r["test"] else r["verdict"]
                row.append(Paragraph(escape(text), styles["cell"]))
            widths = [28 * mm, 36 * mm, 23 * mm, 17 * mm, 14 * mm, 56 * mm]
        story.append(_table(rows, widths, numeric_from=2))
    since = first_of_month(board.day, filters.months - 1)
    disputes = queries.dispute_figures(filters, since, board.day)
    if disputes:
        story.append(Paragraph(_("Disputes by reason"), styles["h2"]))
        rows = [[_("Reason"), _("Opened"), _("Amount"), _("Finished"), _("Days to resolve"), _("Open now"),
                 _("Open amount")]] + [
            [Paragraph(escape(d["label"]), styles["cell"]), d["opened"], money(d["opened_amount"], cur),
             d["finished"], figure(d["days_to_resolve"], NONE_RESOLVED), d["open"],
             money(d["open_amount"], cur)]
            for d in disputes
        ]  # fmt: skip
        widths = [34 * mm, 17 * mm, 25 * mm, 23 * mm, 25 * mm, 18 * mm, 30 * mm]
        story.append(_table(rows, widths))
    story += [Spacer(0, 4 * mm), *figure.notes(styles["muted"])]
    story.append(Paragraph(_("How each figure is computed: docs/kpis.md."), styles["muted"]))
    return _build(story)


def _build(story: list) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
        title=_("Credit book report"), author=settings.COMPANY["name"],
    )  # fmt: skip
    doc.build(story)
    return out.getvalue()


def _step_label(row: dict) -> str:
    label = f"{row['position']}. {row['step']}"
    return f"{label} ({row['variant']})" if row["variant"] else label
