"""Jobs wait for the real commit: a savepoint ending is not a commit, a rollback drops them."""
from app.models import SmsMessage


def test_jobs_wait_for_the_outer_commit(app, db, sms_sink):
    from app.services.notifications import send_sms
    app.config.update(SMS_GATEWAY="http", SMS_HTTP_URL=sms_sink.url)
    try:
        with db.session.begin_nested():
            send_sms("13900000003", "inside a savepoint", kind="test")
        assert sms_sink.received == []  # the savepoint ended, the transaction did not
        db.session.commit()
    finally:
        app.config.update(SMS_GATEWAY="outbox", SMS_HTTP_URL=None)
    assert len(sms_sink.received) == 1
    db.session.expire_all()
    assert db.session.query(SmsMessage).one().status == "sent"
