"""Court time in one module: the zone comes from config and pages, PDFs and SMS all follow it."""
from datetime import date, datetime, timezone

from app.services import court_time, pdf


def test_deadlines_end_at_24_00_of_their_last_day_in_court_time(app):
    with app.app_context():
        end = court_time.end_of_day(date(2026, 11, 25))
        assert end == court_time.deadline_at(date(2026, 11, 25), "24:00")
        assert end.astimezone(timezone.utc) == datetime(2026, 11, 25, 16, 0, tzinfo=timezone.utc)  # UTC+8
        assert court_time.format_deadline(end) == "2026-11-25 24:00"
        assert court_time.format_deadline(court_time.deadline_at(date(2026, 11, 25), "09:30")) == "2026-11-25 09:30"
        assert court_time.today(datetime(2026, 11, 25, 17, 0, tzinfo=timezone.utc)) == date(2026, 11, 26)


def test_pages_and_pdfs_follow_the_configured_zone(app):
    moment = datetime(2026, 11, 25, 17, 30, tzinfo=timezone.utc)
    with app.app_context():
        assert pdf._dt_str(moment) == "2026-11-26 01:30:00"
        assert app.jinja_env.filters["local_time"](moment) == "2026-11-26 01:30"
        old = app.config["TIMEZONE"]
        app.config["TIMEZONE"] = "Asia/Urumqi"  # UTC+6: a court that keeps local time
        try:
            assert pdf._dt_str(moment) == "2026-11-25 23:30:00"
            assert pdf._date_cn(moment) == "2026年11月25日"
            assert app.jinja_env.filters["local_time"](moment) == "2026-11-25 23:30"
            assert court_time.format_deadline(court_time.end_of_day(date(2026, 11, 25))) == "2026-11-25 24:00"
        finally:
            app.config["TIMEZONE"] = old
