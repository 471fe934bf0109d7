"""The calendar of recurring payment methods: execution dates, periods, the mandate's limits, and
the fees settlements charge."""
from __future__ import annotations

from datetime import date

from chalicelib.services.enterprise import fees
from chalicelib.services.enterprise.recurring import (
    Recurring,
    execution_count,
    first_execution,
    limits,
    next_execution,
    period_key,
    problems,
)

TODAY = date(2025, 1, 15)


def _dates(r: Recurring, n: int) -> list[str]:
    out, day = [], first_execution(r)
    while day is not None and len(out) < n:
        out.append(day.isoformat())
        day = next_execution(r, day)
    return out


def test_monthly_on_the_31st_falls_on_the_last_day_of_short_months():
    r = Recurring(1000, "EUR", "monthly", start_date=date(2025, 1, 20), day_of_execution=31)
    assert _dates(r, 4) == ["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30"]
    assert [period_key(r, date.fromisoformat(d)) for d in _dates(r, 2)] == ["2025-01", "2025-02"]
    leap = Recurring(1000, "EUR", "monthly", start_date=date(2028, 2, 1), day_of_execution=30)
    assert _dates(leap, 1) == ["2028-02-29"]


def test_the_day_defaults_to_the_start_dates_and_a_past_day_starts_next_period():
    assert _dates(Recurring(1, "EUR", "monthly", start_date=date(2025, 1, 15)), 2) == ["2025-01-15", "2025-02-15"]
    assert _dates(Recurring(1, "EUR", "monthly", start_date=date(2025, 1, 16), day_of_execution=15), 1) == ["2025-02-15"]


def test_daily_weekly_quarterly_yearly():
    assert _dates(Recurring(1, "EUR", "daily", start_date=date(2025, 2, 27)), 3) == ["2025-02-27", "2025-02-28", "2025-03-01"]
    weekly = Recurring(1, "EUR", "weekly", start_date=date(2025, 1, 15), day_of_execution=1)  # Mondays
    assert _dates(weekly, 3) == ["2025-01-20", "2025-01-27", "2025-02-03"]
    assert period_key(weekly, date(2025, 1, 20)) == "2025-W04"
    quarterly = Recurring(1, "EUR", "quarterly", start_date=date(2025, 1, 15), day_of_execution=10, month_of_execution=2)
    assert _dates(quarterly, 3) == ["2025-02-10", "2025-05-10", "2025-08-10"]
    assert period_key(quarterly, date(2025, 5, 10)) == "2025-Q2"
    yearly = Recurring(1, "EUR", "yearly", start_date=date(2025, 3, 1), day_of_execution=29, month_of_execution=2)
    assert _dates(yearly, 4) == ["2026-02-28", "2027-02-28", "2028-02-29", "2029-02-28"]
    assert period_key(yearly, date(2028, 2, 29)) == "2028"


def test_the_end_date_closes_the_schedule_and_counts_its_charges():
    r = Recurring(500, "EUR", "monthly", start_date=date(2025, 1, 15), end_date=date(2025, 4, 14))
    assert _dates(r, 10) == ["2025-01-15", "2025-02-15", "2025-03-15"]
    assert execution_count(r) == 3
    assert execution_count(Recurring(500, "EUR", "monthly", start_date=date(2025, 1, 15))) is None


def test_the_mandates_limits_are_the_schedules():
    monthly = limits(Recurring(999, "EUR", "monthly", start_date=TODAY))
    assert monthly == {"currency": "EUR", "max_single_amount": "9.99", "max_monthly_amount": "9.99",
                       "max_number_of_monthly_transactions": 1, "max_yearly_amount": "119.88",
                       "max_number_of_yearly_transactions": 12}
    daily = limits(Recurring(100, "JPY", "daily", start_date=TODAY, end_date=date(2025, 1, 24)))
    assert (daily["max_single_amount"], daily["max_number_of_monthly_transactions"], daily["max_monthly_amount"]) == (
        "100", 31, "3100")
    assert (daily["max_total_amount"], daily["max_number_of_transactions"]) == ("1000", 10)


def test_problems_name_the_field():
    assert problems(Recurring(1, "EUR", "hourly", start_date=TODAY), TODAY) == [
        ("frequency", "must be one of daily, weekly, monthly, quarterly, yearly")]
    assert problems(Recurring(1, "EUR", "weekly", start_date=TODAY, day_of_execution=8), TODAY) == [
        ("day_of_execution", "must be between 1 and 7 (Monday is 1)")]
    assert problems(Recurring(1, "EUR", "daily", start_date=TODAY, day_of_execution=3), TODAY) == [
        ("day_of_execution", "is not used with a daily frequency")]
    assert problems(Recurring(1, "EUR", "monthly", start_date=TODAY, month_of_execution=2), TODAY) == [
        ("month_of_execution", "is only used with a quarterly or yearly frequency")]
    assert problems(Recurring(1, "EUR", "quarterly", start_date=TODAY, month_of_execution=4), TODAY) == [
        ("month_of_execution", "must be between 1 and 3")]
    assert problems(Recurring(1, "EUR", "monthly", start_date=date(2025, 1, 14)), TODAY) == [
        ("start_date", "must be today or later")]
    assert problems(Recurring(1, "EUR", "monthly", start_date=TODAY, end_date=date(2025, 1, 1)), TODAY) == [
        ("end_date", "must not be before start_date")]
    assert problems(Recurring(1, "EUR", "monthly", start_date=TODAY, day_of_execution=20, end_date=date(2025, 1, 19)),
                    TODAY) == [("end_date", "leaves no execution date between start_date and end_date")]
    assert problems(Recurring(1, "EUR", "yearly", start_date=TODAY, day_of_execution=31, month_of_execution=12), TODAY) == []


def test_fees_are_fixed_plus_basis_points_rounded_half_up():
    schedule = {"openbanking": {"fixed": 10, "basis_points": 50}, "creditcard": {"fixed": 25, "basis_points": 140},
                "refund": {"fixed": 0, "basis_points": 0}}
    assert fees.charge(schedule, "openbanking", 999) == 15  # 10 + 4.995 -> 5
    assert fees.charge(schedule, "openbanking", 899) == 14  # 10 + 4.495 -> 4
    assert fees.charge(schedule, "creditcard", 2500) == 60  # 25 + 35
    assert fees.charge(schedule, "refund", 123456) == 0
    assert fees.problems(schedule) == []
    assert fees.problems({"openbanking": {"fixed": -1, "basis_points": 50}, "creditcard": {"fixed": 1, "basis_points": 10001},
                          "refund": {"fixed": 1.5, "basis_points": 0}, "paypal": {}}) == [
        ("paypal", "is not a kind of item (openbanking, creditcard, refund)"),
        ("openbanking.fixed", "must be a whole number from 0 to 100000"),
        ("creditcard.basis_points", "must be a whole number from 0 to 10000"),
        ("refund.fixed", "must be a whole number from 0 to 100000")]


def test_the_default_fee_schedule_setting_is_checked_at_start_up_with_the_fee_schedules_own_limits(monkeypatch):
    """OBP_DEFAULT_FEE_SCHEDULE (settings.FeeSchedule) takes exactly what fees.problems takes: the
    three kinds, whole numbers, 0 to MAX_FIXED and 0 to MAX_BASIS_POINTS; what it takes is the default."""
    import json

    from chalicelib.settings import Settings, SettingsError, load

    def schedule(fixed, basis_points, **more):
        return {"openbanking": {"fixed": fixed, "basis_points": basis_points},
                "creditcard": {"fixed": 25, "basis_points": 140}, "refund": {"fixed": 0, "basis_points": 0}, **more}

    cases = [schedule(0, 0), schedule(fees.MAX_FIXED, fees.MAX_BASIS_POINTS), schedule(fees.MAX_FIXED + 1, 0),
             schedule(0, fees.MAX_BASIS_POINTS + 1), schedule(-1, 0), schedule(1.5, 0), schedule(True, 0),
             schedule("10", 0), schedule(1, 1, paypal={"fixed": 1, "basis_points": 1}),
             {"openbanking": {"fixed": 1, "basis_points": 1}}]
    for case in cases:
        monkeypatch.setenv("OBP_DEFAULT_FEE_SCHEDULE", json.dumps(case))
        try:
            loaded = load(Settings).default_fee_schedule
        except SettingsError as err:
            assert fees.problems(case), (case, str(err))
            assert str(err).startswith("bad setting:\n  OBP_DEFAULT_FEE_SCHEDULE=")
        else:
            assert fees.problems(case) == [] and loaded.model_dump() == case
    assert len([c for c in cases if not fees.problems(c)]) == 2  # both outcomes are exercised
    monkeypatch.delenv("OBP_DEFAULT_FEE_SCHEDULE")
    assert load(Settings).default_fee_schedule is None


def test_the_default_fee_schedule_setting_is_the_default_schedule(monkeypatch):
    import json

    from chalicelib.settings import reload_settings

    mine = {"openbanking": {"fixed": 1, "basis_points": 2}, "creditcard": {"fixed": 3, "basis_points": 4},
            "refund": {"fixed": 5, "basis_points": 6}}
    assert fees.default_schedule() == fees.DEFAULT
    monkeypatch.setenv("OBP_DEFAULT_FEE_SCHEDULE", json.dumps(mine))
    reload_settings()
    try:
        assert fees.default_schedule() == mine
        assert fees.schedule_of(type("Profile", (), {"fee_schedule": None})()) == mine
    finally:
        monkeypatch.undo()
        reload_settings()
