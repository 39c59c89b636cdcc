"""Company data from credit bureaus, behind one small interface.

`BureauReport` is what the rules see. A provider answers `fetch(registration
number)` with a report, None when the bureau does not know the company, or
raises `BureauUnavailable` when it cannot be asked. The local provider reads
the reports imported from the bureau's monthly portfolio files
(`manage.py import_bureau FILE`); the HTTP provider for a bureau's JSON API
(`acceptance.bureau_http`) stores what it fetches in the same table and uses
`fetched_at` with a time to live as its cache.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from acceptance.models import BureauRecord, NegativeEvent
from accounts.imports.cells import CellError, parse_amount
from creditmgmt.rows import RowQuery


@dataclass(frozen=True)
class BureauReport:
    registration_number: str
    name: str
    address: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "NL"
    legal_form: str = ""
    founded_on: date | None = None
    sector: str = ""
    score: int | None = None
    probability_of_default: Decimal | None = None  # percent, 12 months
    rating: str = ""
    recommended_limit: Decimal | None = None
    currency: str = "EUR"
    negative_events: tuple[str, ...] = ()
    parent_registration_number: str = ""
    source: str = ""
    fetched_at: datetime = field(default_factory=timezone.now)

    def age(self, *, now: datetime) -> timedelta:
        return now - self.fetched_at

    def is_fresh(self, *, now: datetime, ttl: timedelta) -> bool:
        return self.age(now=now) <= ttl

    def company_age_years(self, *, today: date) -> Decimal | None:
        if self.founded_on is None:
            return None
        return (Decimal((today - self.founded_on).days) / Decimal("365.25")).quantize(Decimal("0.1"))

    @classmethod
    def from_record(cls, record: BureauRecord) -> BureauReport:
        return cls(
            registration_number=record.registration_number,
            name=record.name,
            address=record.address,
            postal_code=record.postal_code,
            city=record.city,
            country=record.country,
            legal_form=record.legal_form,
            founded_on=record.founded_on,
            sector=record.sector,
            score=record.score,
            probability_of_default=record.probability_of_default,
            rating=record.rating,
            recommended_limit=record.recommended_limit,
            currency=record.currency,
            negative_events=tuple(record.negative_events or ()),
            parent_registration_number=record.parent_registration_number,
            source=f"{record.source}: {record.source_name}".strip(": "),
            fetched_at=record.fetched_at,
        )


class BureauUnavailable(Exception):
    """The bureau could not be asked (timeout, error); the decision says so."""


# `stored` of fetch() when the caller has not read the company's stored record (BureauRecord).
NOT_READ: Any = object()


class BureauProvider(Protocol):
    """`fetch(number)`: the company's report, None when the bureau does not know it; raises
    BureauUnavailable when the bureau cannot be asked. `stored`: the company's BureauRecord (or
    None) when the caller read it already (the decision API reads it with the customer)."""

    name: str

    def fetch(self, registration_number: str, *, stored: Any = NOT_READ) -> BureauReport | None: ...


# Every decision reads one report: a hand-written lookup (creditmgmt.rows) instead of a queryset.
_RECORD_BY_NUMBER = RowQuery(BureauRecord, "registration_number = %s")


class LocalBureauProvider:
    """Reports from the imported bureau files: one indexed query, never unavailable."""

    name = "local"

    def fetch(self, registration_number: str, *, stored: Any = NOT_READ) -> BureauReport | None:
        if not registration_number:
            return None
        record = _RECORD_BY_NUMBER.get([registration_number]) if stored is NOT_READ else stored
        return BureauReport.from_record(record) if record else None

    def fetch_many(self, registration_numbers: list[str]) -> dict[str, BureauReport]:
        """Reports of many companies in one query (monitoring); unknown companies are left out."""
        records = BureauRecord.objects.filter(registration_number__in=[n for n in registration_numbers if n])
        return {r.registration_number: BureauReport.from_record(r) for r in records}


def get_provider() -> BureauProvider:
    """The provider the settings name: ACCEPTANCE_BUREAU_PROVIDER = "local" (default) or "http"."""
    from django.conf import settings

    kind = getattr(settings, "ACCEPTANCE_BUREAU_PROVIDER", "local")
    if kind == "http":
        from acceptance.bureau_http import HttpBureauProvider

        return HttpBureauProvider.from_settings()
    if kind != "local":
        raise ValueError(f"ACCEPTANCE_BUREAU_PROVIDER={kind!r}: expected local or http")
    return LocalBureauProvider()


# --- bureau files ------------------------------------------------------------

COLUMNS = [
    "registration_number",
    "name",
    "address",
    "postal_code",
    "city",
    "country",
    "legal_form",
    "founded_on",
    "sector",
    "score",
    "probability_of_default",
    "rating",
    "recommended_limit",
    "currency",
    "negative_events",
    "parent_registration_number",
    "report_date",
]
REQUIRED = {"registration_number", "name"}


class BureauFileError(ValueError):
    """A bureau file that cannot be applied; `problems` lists every line and field at fault."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _decimal(text: str, *, low: Decimal, high: Decimal | None) -> Decimal | None:
    if not text:
        return None
    value = Decimal(text.replace(",", ".")) if text.count(",") == 1 and "." not in text else Decimal(text)
    if value < low or (high is not None and value > high):
        raise InvalidOperation
    return value


def _date(text: str) -> date | None:
    """An ISO date (2026-11-01), or None for anything else, 2026-02-30 included."""
    try:
        return parse_date(text) if len(text) == 10 else None
    except ValueError:
        return None


def read_bureau_file(data: bytes, *, source_name: str) -> list[BureauRecord]:
    """Parse a bureau CSV (comma or semicolon separated, header row) into unsaved records.

    Checks every line and raises BureauFileError with all problems at once, so
    a file is applied whole or not at all.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BureauFileError([_("The file is not UTF-8 text.")]) from None
    first = text.splitlines()[0] if text else ""
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ",")
    header = [h.strip() for h in reader.fieldnames or []]
    missing = REQUIRED - set(header)
    if missing:
        raise BureauFileError([_("Missing columns: %(c)s") % {"c": ", ".join(sorted(missing))}])
    unknown = set(header) - set(COLUMNS)
    if unknown:
        raise BureauFileError([_("Unknown columns: %(c)s") % {"c": ", ".join(sorted(unknown))}])
    records: dict[str, BureauRecord] = {}
    problems: list[str] = []
    now = timezone.now()
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        errors: list[str] = []

        def fail(column: str, value: str, errors: list[str] = errors, line: int = line) -> None:
            errors.append(
                _("line %(line)d, %(column)s: %(value)r is not valid")
                % {"line": line, "column": column, "value": value}
            )

        number = row.get("registration_number", "")
        if not number or len(number) > 20:
            fail("registration_number", number)
        if not row.get("name"):
            fail("name", "")
        founded = None
        if row.get("founded_on"):
            founded = _date(row["founded_on"])
            if founded is None:
                fail("founded_on", row["founded_on"])
        fetched = now
        if row.get("report_date"):
            day = _date(row["report_date"])
            if day is None:
                fail("report_date", row["report_date"])
            else:
                fetched = datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())
        numbers = {}
        for column, low, high in (
            ("score", Decimal(0), Decimal(100)),
            ("probability_of_default", Decimal(0), Decimal(100)),
        ):
            try:
                numbers[column] = _decimal(row.get(column, ""), low=low, high=high)
            except InvalidOperation:
                fail(column, row.get(column, ""))
        # A limit is money: the import's parser, so "15.000" is refused as ambiguous
        # instead of being read as EUR 15, and "15.000,00" or "15,000.00" both work.
        limit = row.get("recommended_limit", "").strip()
        try:
            numbers["recommended_limit"] = parse_amount(limit) if limit else None
        except CellError:
            fail("recommended_limit", limit)
        else:
            if numbers["recommended_limit"] is not None and numbers["recommended_limit"] < 0:
                fail("recommended_limit", limit)
        if numbers.get("score") is not None and numbers["score"] != numbers["score"].to_integral_value():
            fail("score", row["score"])
        events = [e.strip().lower() for e in row.get("negative_events", "").replace(";", "|").split("|")]
        events = [e for e in events if e]
        for event in events:
            if event not in NegativeEvent.values:
                fail("negative_events", event)
        if number in records:
            errors.append(_("line %(line)d: %(n)s appears twice in the file") % {"line": line, "n": number})
        if errors:
            problems.extend(errors)
            continue
        records[number] = BureauRecord(
            registration_number=number,
            name=row["name"][:200],
            address=row.get("address", "")[:200],
            postal_code=row.get("postal_code", "")[:16],
            city=row.get("city", "")[:100],
            country=(row.get("country") or "NL")[:2].upper(),
            legal_form=row.get("legal_form", "")[:20].lower(),
            founded_on=founded,
            sector=row.get("sector", "")[:100],
            score=int(numbers["score"]) if numbers.get("score") is not None else None,
            probability_of_default=numbers.get("probability_of_default"),
            rating=row.get("rating", "")[:8],
            recommended_limit=numbers.get("recommended_limit"),
            currency=(row.get("currency") or "EUR")[:3].upper(),
            negative_events=events,
            parent_registration_number=row.get("parent_registration_number", "")[:20],
            source=BureauRecord.Source.FILE,
            source_name=source_name[:200],
            fetched_at=fetched,
        )
    if problems:
        raise BureauFileError(problems)
    return list(records.values())
