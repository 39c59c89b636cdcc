"""The HTTP bureau provider: a bureau's JSON API, with a timeout, retries and a cache.

    GET {ACCEPTANCE_BUREAU_URL}/companies/{registration_number}
    Authorization: Bearer {ACCEPTANCE_BUREAU_API_KEY}

200 with a JSON report, 404 when the bureau does not know the company. Every
report it fetches is stored in `BureauRecord` (source "http", `fetched_at` =
when we asked), and that row is the cache: a stored report younger than the
time to live (`ACCEPTANCE_BUREAU_TTL_DAYS`) is used without asking. A
connection error, a timeout, a 5xx or a 429 is asked again after a short
pause that doubles each time (`ACCEPTANCE_BUREAU_RETRIES` times); when every
try failed, or the bureau answers something we cannot read, `fetch` raises
`BureauUnavailable` and `services.decide` falls back to the stored report,
however old, or refers to a person, and says so in the reasons.

The standard library's urllib does the HTTP: one GET with a timeout needs no
extra runtime dependency, and retries and backoff are ours to decide anyway.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date

from acceptance.bureau import NOT_READ, BureauReport, BureauUnavailable
from acceptance.models import BureauRecord, NegativeEvent

log = logging.getLogger(__name__)

NUMBER = re.compile(r"^[0-9A-Za-z]{1,20}$")
RETRY_STATUS = {429, 500, 502, 503, 504}


class BureauAnswerError(BureauUnavailable):
    """The bureau answered, but not with a report we can read."""


def _text(data: dict, key: str, size: int) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BureauAnswerError(f"{key}: expected text")
    return value.strip()[:size]


def _number(data: dict, key: str, *, low: Decimal, high: Decimal | None) -> Decimal | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BureauAnswerError(f"{key}: expected a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise BureauAnswerError(f"{key}: {value!r} is not a number") from None
    if not number.is_finite() or number < low or (high is not None and number > high):
        raise BureauAnswerError(f"{key}: {value!r} is out of range")
    return number


def record_from_json(data: Any, *, registration_number: str, source_name: str, now: datetime) -> BureauRecord:
    """An unsaved BureauRecord from the bureau's JSON; BureauAnswerError names the field it cannot read."""
    if not isinstance(data, dict):
        raise BureauAnswerError("the answer is not a JSON object")
    number = _text(data, "registration_number", 20) or registration_number
    if number != registration_number:
        raise BureauAnswerError(f"registration_number: asked {registration_number}, got {number}")
    name = _text(data, "name", 200)
    if not name:
        raise BureauAnswerError("name: missing")
    founded = None
    if data.get("founded_on"):
        try:
            founded = parse_date(str(data["founded_on"]))
        except ValueError:
            founded = None
        if founded is None:
            raise BureauAnswerError(f"founded_on: {data['founded_on']!r} is not a date")
    score = _number(data, "score", low=Decimal(0), high=Decimal(100))
    if score is not None and score != score.to_integral_value():
        raise BureauAnswerError("score: expected a whole number")
    pd = _number(data, "probability_of_default", low=Decimal(0), high=Decimal(100))
    limit = _number(data, "recommended_limit", low=Decimal(0), high=Decimal("999999999999.99"))
    events = data.get("negative_events") or []
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise BureauAnswerError("negative_events: expected a list of text")
    events = [e.strip().lower() for e in events if e.strip()]
    unknown = [e for e in events if e not in NegativeEvent.values]
    if unknown:
        raise BureauAnswerError(f"negative_events: unknown {', '.join(unknown)}")
    return BureauRecord(
        registration_number=registration_number,
        name=name,
        address=_text(data, "address", 200),
        postal_code=_text(data, "postal_code", 16),
        city=_text(data, "city", 100),
        country=(_text(data, "country", 2) or "NL").upper(),
        legal_form=_text(data, "legal_form", 20).lower(),
        founded_on=founded,
        sector=_text(data, "sector", 100),
        score=int(score) if score is not None else None,
        probability_of_default=pd.quantize(Decimal("0.01")) if pd is not None else None,
        rating=_text(data, "rating", 8),
        recommended_limit=limit.quantize(Decimal("0.01")) if limit is not None else None,
        currency=(_text(data, "currency", 3) or "EUR").upper(),
        negative_events=events,
        parent_registration_number=_text(data, "parent_registration_number", 20),
        source=BureauRecord.Source.HTTP,
        source_name=source_name[:200],
        fetched_at=now,
    )


STORED_FIELDS = [
    f.name for f in BureauRecord._meta.concrete_fields if f.name not in ("id", "registration_number")
]


def store(record: BureauRecord) -> BureauRecord:
    """Insert or replace the stored report for its registration number (the cache)."""
    values = {name: getattr(record, name) for name in STORED_FIELDS}
    try:
        with transaction.atomic():
            stored, _created = BureauRecord.objects.update_or_create(
                registration_number=record.registration_number, defaults=values
            )
    except IntegrityError:  # another worker stored it at the same moment: ours is as new
        with transaction.atomic():
            BureauRecord.objects.filter(registration_number=record.registration_number).update(**values)
            stored = BureauRecord.objects.get(registration_number=record.registration_number)
    return stored


class HttpBureauProvider:
    """A bureau's JSON API behind the BureauProvider interface; stored reports are its cache."""

    name = "http"

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str = "",
        timeout: float = 3.0,
        retries: int = 2,
        backoff: float = 0.2,
        ttl: timedelta = timedelta(days=30),
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"The bureau URL must start with http:// or https://, not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.retries = max(retries, 0)
        self.backoff = backoff
        self.ttl = ttl
        self.sleep = sleep
        self.calls = 0  # requests sent, retries included (for tests and logs)

    @classmethod
    def from_settings(cls) -> HttpBureauProvider:
        return cls(
            base_url=settings.ACCEPTANCE_BUREAU_URL,
            api_key=settings.ACCEPTANCE_BUREAU_API_KEY,
            timeout=settings.ACCEPTANCE_BUREAU_TIMEOUT,
            retries=settings.ACCEPTANCE_BUREAU_RETRIES,
            backoff=settings.ACCEPTANCE_BUREAU_BACKOFF,
            ttl=timedelta(days=settings.ACCEPTANCE_BUREAU_TTL_DAYS),
        )

    def fetch(
        self, registration_number: str, *, refresh: bool = False, stored: Any = NOT_READ
    ) -> BureauReport | None:
        """The report: the stored one while younger than the TTL, else the bureau's (then stored).

        `refresh=True` asks the bureau whatever the cache holds (the monitoring job). `stored`: the
        stored record (or None) when the caller read it already.
        None when the bureau does not know the company; BureauUnavailable when it cannot be asked.
        """
        if not registration_number:
            return None
        if not refresh:
            cached = (
                BureauRecord.objects.filter(registration_number=registration_number).first()
                if stored is NOT_READ
                else stored
            )
            if cached is not None and timezone.now() - cached.fetched_at <= self.ttl:
                return BureauReport.from_record(cached)
        data = self._get(registration_number)
        if data is None:
            return None
        record = record_from_json(
            data,
            registration_number=registration_number,
            source_name=urllib.parse.urlsplit(self.base_url).netloc,
            now=timezone.now(),
        )
        return BureauReport.from_record(store(record))

    def _get(self, registration_number: str) -> Any:
        """The decoded JSON of the company's report, None on 404; retries what may pass next time."""
        if not NUMBER.match(registration_number):
            return None  # nothing a bureau could know; never put it in a URL
        url = f"{self.base_url}/companies/{urllib.parse.quote(registration_number)}"
        headers = {"Accept": "application/json", "User-Agent": "creditmgmt"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            self.calls += 1
            request = urllib.request.Request(url, headers=headers, method="GET")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    body = response.read(1_000_000)
            except urllib.error.HTTPError as error:
                error.close()
                if error.code == 404:
                    return None
                problem = f"HTTP {error.code}"
                if error.code in RETRY_STATUS:
                    continue
                break  # 401, 403, 400: asking again will not help
            except TimeoutError:
                problem = f"no answer within {self.timeout:g} s"
                continue
            except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
                reason = getattr(error, "reason", error)
                if isinstance(reason, TimeoutError):
                    problem = f"no answer within {self.timeout:g} s"
                else:
                    problem = f"cannot connect ({reason})"
                continue
            try:
                return json.loads(body)
            except ValueError:
                raise BureauAnswerError("the answer is not JSON") from None
        log.warning("Bureau %s unavailable for %s: %s", self.base_url, registration_number, problem)
        raise BureauUnavailable(problem)
