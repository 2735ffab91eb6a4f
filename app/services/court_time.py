"""Court time (法院时间), once: the court's time zone (from config), now, deadlines that end at 24:00
of their last day, and how moments, dates and deadlines are written on pages, PDFs, SMS and in jobs.

Moments are stored as aware UTC datetimes; they become court time only here."""
import os
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from app.models.base import utcnow

DEFAULT_TIMEZONE = "Asia/Shanghai"


def tz():
    """The court's time zone: `TIMEZONE` of the app's config (MICROCOURT_TIMEZONE); outside an app
    (a PDF rendered by a script) the same environment variable, else Asia/Shanghai."""
    from flask import current_app, has_app_context
    name = current_app.config.get("TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or os.environ.get("MICROCOURT_TIMEZONE", DEFAULT_TIMEZONE))


def now():
    """The present moment (aware, UTC): what is stored and compared."""
    return utcnow()


def local(moment):
    """A stored moment in court time (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(tz())


def today(at=None):
    """The court's calendar day now (or at the moment `at`)."""
    return local(at or now()).date()


def end_of_day(day: date):
    """24:00 of `day` in court time, as an aware datetime: a deadline is the whole of its last day."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz())


def deadline_at(day: date, hhmm="24:00"):
    """A deadline given as a day and a time of day in court time; "24:00" is the end of that day."""
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(0), tzinfo=tz()) + timedelta(hours=hours, minutes=minutes)


def format_date(moment_or_day):
    """"2026-11-25"."""
    if moment_or_day is None:
        return ""
    day = moment_or_day if not isinstance(moment_or_day, datetime) else local(moment_or_day).date()
    return day.isoformat()


def format_moment(moment, fmt="%Y-%m-%d %H:%M"):
    """"2026-11-25 14:30" in court time ("" for no moment)."""
    return local(moment).strftime(fmt) if moment else ""


def format_deadline(moment):
    """A deadline as people say it: the end of a day reads "2026-11-25 24:00", any other time
    "2026-11-25 18:00"."""
    if moment is None:
        return ""
    t = local(moment)
    if (t.hour, t.minute, t.second) == (0, 0, 0):
        return f"{(t - timedelta(days=1)).date().isoformat()} 24:00"
    return t.strftime("%Y-%m-%d %H:%M")


def format_date_cn(moment_or_day):
    """"2026年11月25日", the date on a court document."""
    if not moment_or_day:
        return ""
    d = moment_or_day if not isinstance(moment_or_day, datetime) else local(moment_or_day)
    return f"{d.year}年{d.month}月{d.day}日"


def add_months(day: date, months: int):
    """The same day `months` later (the last day of a shorter month): how statutory periods counted
    in months end (期间以月计算的，以期间届满的相应日为最后一日)."""
    import calendar
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
