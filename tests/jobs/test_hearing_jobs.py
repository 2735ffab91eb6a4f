"""Deadline reminders from the database with a frozen clock, and the thumbnail job on a real worker."""
from datetime import timedelta

from sqlalchemy import select

from app.models import SmsMessage, utcnow
from app.models.hearing import Evidence, Message, ReminderSent
from app.services import court_time
from app.services import hearings as svc
from tests.conftest import wait_for
from tests.services.test_hearings import build_room, png_bytes, upload


def _sms(db, kind):
    db.session.expire_all()
    return db.session.scalars(select(SmsMessage).where(SmsMessage.kind == kind).order_by(SmsMessage.id)).all()


def _room_with_item(db, make_user, make_case, make_court):
    r = build_room(db, make_user, make_case, make_court, with_lawyer=False)
    r.judge.phone = "13700000077"
    deadline = utcnow() + timedelta(days=3)
    r.item = svc.post_item(r.hearing, r.judge, "请提交单据", parties=[r.p_party, r.d_party], deadline=deadline)
    db.session.commit()
    return r


def test_exactly_one_reminder_per_item_per_threshold_even_when_run_twice(app, db, make_user, make_case, make_court):
    r = _room_with_item(db, make_user, make_case, make_court)
    d = r.item.deadline
    assert svc.send_due_reminders(now=d - timedelta(hours=30)) == 0  # nothing due yet
    at_23h = d - timedelta(hours=23)
    assert svc.send_due_reminders(now=at_23h) == 2  # plaintiff and defendant, 24 h before
    db.session.commit()
    assert svc.send_due_reminders(now=at_23h) == 0  # the same run again: no duplicates
    assert svc.send_due_reminders(now=at_23h + timedelta(minutes=5)) == 0
    db.session.commit()
    assert len(_sms(db, "hearing_reminder")) == 2
    # The defendant answers; only the plaintiff gets the 2-hour reminder.
    svc.answer_item(r.item, r.defendant, "已提交")
    db.session.commit()
    assert svc.send_due_reminders(now=d - timedelta(hours=1)) == 1
    db.session.commit()
    reminders = _sms(db, "hearing_reminder")
    assert sorted(m.phone for m in reminders[:2]) == sorted([r.plaintiff.phone, r.defendant.phone])
    assert reminders[-1].phone == r.plaintiff.phone and court_time.format_deadline(d) in reminders[-1].body
    thresholds = sorted(db.session.scalars(select(ReminderSent.threshold)))
    assert thresholds == ["24h", "24h", "2h"]


def test_overdue_item_notifies_the_judge_once(app, db, make_user, make_case, make_court):
    r = _room_with_item(db, make_user, make_case, make_court)
    after = r.item.deadline + timedelta(minutes=1)
    assert svc.send_due_reminders(now=after) == 1
    db.session.commit()
    assert svc.send_due_reminders(now=after + timedelta(hours=1)) == 0
    db.session.commit()
    overdue = _sms(db, "hearing_overdue")
    assert len(overdue) == 1 and overdue[0].phone == "13700000077"
    note = db.session.scalar(select(Message).where(Message.kind == "system"))
    assert note.data["what"] == "item_overdue" and sorted(note.data["parties"]) == ["王芳", "陈强"]


def test_a_late_job_sends_only_the_nearest_reminder(app, db, make_user, make_case, make_court):
    r = _room_with_item(db, make_user, make_case, make_court)
    # The scheduler was down until 1 h before the deadline: one SMS per person, both thresholds used up.
    assert svc.send_due_reminders(now=r.item.deadline - timedelta(hours=1)) == 2
    db.session.commit()
    assert len(_sms(db, "hearing_reminder")) == 2
    assert svc.send_due_reminders(now=r.item.deadline - timedelta(minutes=30)) == 0


def test_extended_deadline_gets_fresh_reminders(app, db, make_user, make_case, make_court):
    r = _room_with_item(db, make_user, make_case, make_court)
    d = r.item.deadline
    svc.send_due_reminders(now=d - timedelta(hours=20))
    svc.extend_deadline(r.item, r.judge, d + timedelta(days=2), "补正材料", now=d - timedelta(hours=20))
    db.session.commit()
    assert svc.send_due_reminders(now=d + timedelta(days=2) - timedelta(hours=20)) == 2


def test_reminder_job_function_commits(app, db, make_user, make_case, make_court, monkeypatch):
    from jobs import hearings as hearing_jobs
    r = _room_with_item(db, make_user, make_case, make_court)
    frozen = r.item.deadline - timedelta(hours=3)
    monkeypatch.setattr(svc, "utcnow", lambda: frozen)
    assert hearing_jobs.send_due_reminders() == 2
    assert hearing_jobs.send_due_reminders() == 0
    assert len(_sms(db, "hearing_reminder")) == 2


def test_periodic_list_has_the_reminder_job():
    from jobs.periodic import PERIODIC
    assert any(p.func == "jobs.hearings.send_due_reminders" and p.every == 60 for p in PERIODIC)


def test_thumbnail_job_on_a_real_worker(app, db, redis_app, start_worker, make_user, make_case, make_court):
    r = build_room(db, make_user, make_case, make_court)
    msg = svc.post_message(r.hearing, r.plaintiff, "照片", files=[upload(png_bytes(gps=True))])
    db.session.commit()  # enqueued on the "media" queue after the commit
    ev_id = msg.evidence[0].id
    start_worker("media")

    def done():
        db.session.expire_all()
        return db.session.get(Evidence, ev_id).thumbnail_file_id
    assert wait_for(done, timeout=30)
