"""Reporting's part of the daily workflow: the day's snapshots, after dunning has acted."""

from __future__ import annotations

from datetime import date

from reporting.acceptance import rebuild_decision_days
from reporting.cure import record_outcomes
from reporting.snapshots import backfill, rebuild_monthly_sales, take_snapshot


def daily(*, today: date) -> dict:
    counts = take_snapshot(today)
    counts["sales_groups"] = rebuild_monthly_sales(today)
    # The first run (or a new installation) rebuilds the month ends the trends need.
    counts["month_ends_rebuilt"] = len(backfill(today, months=12, days=0))
    counts["step_outcomes"] = record_outcomes(today)
    counts["decision_days"] = rebuild_decision_days(today)
    return counts


def forecast(*, today: date) -> dict:
    from reporting.forecast import refresh_forecast

    return refresh_forecast(today)


def scheduled_reports(*, today: date) -> dict:
    from reporting.scheduled import send_scheduled_reports

    return send_scheduled_reports(today)


scheduled_reports.sends = True  # type: ignore[attr-defined]  # the dry run leaves it out
