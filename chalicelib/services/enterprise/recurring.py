"""The calendar of a recurring payment method (`openbanking.recurring`): when its charges fall due,
which period each belongs to, and the VRP limits its mandate carries. Plain dates, no I/O.

  frequency   day_of_execution                 month_of_execution            period (its key)
  daily       -                                -                             a day (2025-03-07)
  weekly      1-7, Monday = 1                  -                             an ISO week (2025-W10)
  monthly     1-31 (31: the month's last day)  -                             a month (2025-03)
  quarterly   1-31                             1-3, the month in the quarter a quarter (2025-Q1)
  yearly      1-31                             1-12                          a year (2025)

Absent, `day_of_execution` and `month_of_execution` default to those of `start_date`. A day past
the end of a short month falls on its last day (31 -> 30 April, 28/29 February). The first charge
is on the first execution date on or after `start_date`; none falls after `end_date`. A period
has exactly one execution date, so "once per period" and "once per execution date" are the same.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from chalicelib.services.money import from_minor_units

DAILY, WEEKLY, MONTHLY, QUARTERLY, YEARLY = "daily", "weekly", "monthly", "quarterly", "yearly"
FREQUENCIES = (DAILY, WEEKLY, MONTHLY, QUARTERLY, YEARLY)
# The most executions one month and one year can hold: the mandate's count limits.
_PER_MONTH = {DAILY: 31, WEEKLY: 5, MONTHLY: 1, QUARTERLY: 1, YEARLY: 1}
_PER_YEAR = {DAILY: 366, WEEKLY: 53, MONTHLY: 12, QUARTERLY: 4, YEARLY: 1}
_MONTHS_OF = {MONTHLY: 1, QUARTERLY: 3, YEARLY: 12}


@dataclass(frozen=True)
class Recurring:
    amount: int  # minor units: each charge's amount, and the most any one charge may take
    currency: str
    frequency: str
    start_date: date
    end_date: date | None = None
    day_of_execution: int | None = None
    month_of_execution: int | None = None

    @property
    def day(self) -> int:
        if self.day_of_execution is not None:
            return self.day_of_execution
        return self.start_date.isoweekday() if self.frequency == WEEKLY else self.start_date.day

    @property
    def month(self) -> int:
        """The month of execution within its period (1 for monthly)."""
        if self.month_of_execution is not None:
            return self.month_of_execution
        if self.frequency == YEARLY:
            return self.start_date.month
        return (self.start_date.month - 1) % 3 + 1 if self.frequency == QUARTERLY else 1


def problems(r: Recurring, today: date) -> list[tuple[str, str]]:
    """What is wrong with a recurring schedule, as (field, reason) under `recurring.`."""
    out = []
    if r.frequency not in FREQUENCIES:
        out.append(("frequency", f"must be one of {', '.join(FREQUENCIES)}"))
        return out
    if r.frequency == DAILY and r.day_of_execution is not None:
        out.append(("day_of_execution", "is not used with a daily frequency"))
    elif r.day_of_execution is not None:
        highest = 7 if r.frequency == WEEKLY else 31
        if not 1 <= r.day_of_execution <= highest:
            out.append(("day_of_execution", f"must be between 1 and {highest}"
                        + (" (Monday is 1)" if r.frequency == WEEKLY else "")))
    if r.month_of_execution is not None:
        if r.frequency not in (QUARTERLY, YEARLY):
            out.append(("month_of_execution", "is only used with a quarterly or yearly frequency"))
        elif not 1 <= r.month_of_execution <= _MONTHS_OF[r.frequency]:
            out.append(("month_of_execution", f"must be between 1 and {_MONTHS_OF[r.frequency]}"))
    if r.start_date < today:
        out.append(("start_date", "must be today or later"))
    if r.end_date is not None and r.end_date < r.start_date:
        out.append(("end_date", "must not be before start_date"))
    if not out and first_execution(r) is None:
        out.append(("end_date", "leaves no execution date between start_date and end_date"))
    return out


# --- periods ----------------------------------------------------------------------------------------

def period_start(r: Recurring, day: date) -> date:
    """The first day of the period holding `day`."""
    if r.frequency == DAILY:
        return day
    if r.frequency == WEEKLY:
        return day - timedelta(days=day.isoweekday() - 1)
    if r.frequency == MONTHLY:
        return day.replace(day=1)
    if r.frequency == QUARTERLY:
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def _next_period(r: Recurring, start: date) -> date:
    if r.frequency == DAILY:
        return start + timedelta(days=1)
    if r.frequency == WEEKLY:
        return start + timedelta(days=7)
    months = start.month - 1 + _MONTHS_OF[r.frequency]
    return date(start.year + months // 12, months % 12 + 1, 1)


def period_key(r: Recurring, day: date) -> str:
    """The period holding `day`: 2025-03-07, 2025-W10, 2025-03, 2025-Q1 or 2025."""
    if r.frequency == DAILY:
        return day.isoformat()
    if r.frequency == WEEKLY:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if r.frequency == MONTHLY:
        return f"{day:%Y-%m}"
    if r.frequency == QUARTERLY:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def _execution_in(r: Recurring, start: date) -> date:
    """The execution date of the period starting on `start`."""
    if r.frequency == DAILY:
        return start
    if r.frequency == WEEKLY:
        return start + timedelta(days=r.day - 1)
    month = start.month + r.month - 1
    return date(start.year, month, min(r.day, calendar.monthrange(start.year, month)[1]))


def execution_on_or_after(r: Recurring, day: date) -> date | None:
    """The first execution date on or after `day` (and on or after start_date), None past end_date."""
    day = max(day, r.start_date)
    start = period_start(r, day)
    found = _execution_in(r, start)
    if found < day:
        found = _execution_in(r, _next_period(r, start))
    return found if r.end_date is None or found <= r.end_date else None


def first_execution(r: Recurring) -> date | None:
    return execution_on_or_after(r, r.start_date)


def next_execution(r: Recurring, after: date) -> date | None:
    return execution_on_or_after(r, after + timedelta(days=1))


def execution_count(r: Recurring, limit: int = 10_000) -> int | None:
    """How many execution dates the schedule has (None without an end_date, or past `limit`)."""
    if r.end_date is None:
        return None
    count, day = 0, first_execution(r)
    while day is not None:
        count += 1
        if count > limit:
            return None
        day = next_execution(r, day)
    return count


# --- the mandate's limits -----------------------------------------------------------------------------

def limits(r: Recurring) -> dict:
    """The VRP limits of the mandate (OBP's PostVRPConsentRequestJsonV510 `to_account.limit`): no
    charge above `amount`, no more charges a month and a year than the schedule can hold, and with
    an end_date no more in total than its execution dates."""
    each = from_minor_units(r.amount, r.currency)
    month, year, total = _PER_MONTH[r.frequency], _PER_YEAR[r.frequency], execution_count(r)
    out = {
        "currency": r.currency, "max_single_amount": str(each),
        "max_monthly_amount": str(each * month), "max_number_of_monthly_transactions": month,
        "max_yearly_amount": str(each * year), "max_number_of_yearly_transactions": year,
    }
    if total is not None:
        out.update(max_total_amount=str(each * total), max_number_of_transactions=total)
    return out
