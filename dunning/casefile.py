"""The case file handed to a collection agency: a PDF and a CSV with the customer, invoices, history."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from django.conf import settings

from accounts.models import Customer, Event, Invoice
from dunning.letters import build_letter, render_letters
from dunning.rendering import postal_address

CASE_DIR = "dunning/casefiles"


def write_case_file(*, customer: Customer, invoices: list[Invoice], today: date, costs, interest) -> str:
    """Write <number>-<date>.pdf and .csv under MEDIA_ROOT; returns the relative path without suffix."""
    folder = Path(settings.MEDIA_ROOT) / CASE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{customer.number}-{today.isoformat()}"
    events = list(Event.objects.filter(customer=customer).order_by("-created_at", "-id")[:200])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["record", "number", "date", "due_date", "amount", "open_amount", "text"])
    writer.writerow(["customer", customer.number, "", "", "", customer.open_amount, customer.name])
    for i in invoices:
        writer.writerow(
            ["invoice", i.number, i.issue_date, i.due_date, i.amount, i.open_amount, i.description]
        )
    writer.writerow(["costs", "", today, "", costs, costs, "statutory collection costs (WIK)"])
    writer.writerow(["interest", "", today, "", interest, interest, "statutory commercial interest"])
    for e in events:
        writer.writerow(["event", e.verb, e.created_at.date(), "", "", "", e.summary_text])
    (folder / f"{stem}.csv").write_text(buffer.getvalue(), encoding="utf-8")
    total = sum((i.open_amount for i in invoices), costs + interest)
    lines = [
        f"{i.number}  {i.issue_date}  due {i.due_date}  {customer.currency} {i.open_amount}" for i in invoices
    ]
    history = [f"{e.created_at:%Y-%m-%d}  {e.summary_text}" for e in events[:60]]
    body = (
        f"Customer {customer.number}, {customer.name}\nKvK {customer.kvk_number or '-'}\n\n"
        "Open invoices\n"
        + "\n".join(lines)
        + f"\n\nCollection costs (WIK): {customer.currency} {costs}\nInterest: {customer.currency} {interest}"
        + f"\nTotal claim: {customer.currency} {total}\n\nHistory (latest first)\n"
        + "\n".join(history)
    )
    letter = build_letter(
        language="en",
        recipient=postal_address(customer, language="en"),
        day=today,
        subject=f"Case file for collection: {customer.name}",
        body=body,
        reference=stem,
    )
    (folder / f"{stem}.pdf").write_bytes(render_letters([letter]))
    return f"{CASE_DIR}/{stem}"
