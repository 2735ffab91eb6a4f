"""SMS delivery through a real Redis, a real `flask jobs worker` and a real HTTP gateway on loopback."""

import pytest
from sqlalchemy import select

from app.models import SmsMessage
from tests.conftest import wait_for, work_off

pytestmark = pytest.mark.redis
GATEWAY = dict(SMS_GATEWAY="http", SMS_HTTP_TOKEN="sink-token", SMS_RETRY_INTERVALS="1,1,1,1,1")


def _status(db, sms_id):
    db.session.expire_all()
    return db.session.get(SmsMessage, sms_id)


def _send(db, phone="13900000001", body="测试短信"):
    from app.services.notifications import send_sms
    msg = send_sms(phone, body, kind="test")
    db.session.commit()  # the job is enqueued only now, after the row exists
    return msg.id


def test_worker_delivers_to_http_gateway(redis_app, db, start_worker, sms_sink):
    start_worker("notifications", SMS_HTTP_URL=sms_sink.url, **GATEWAY)
    sms_id = _send(db)
    # A worker process starts in ~2 s; the margin is for a machine shared with other work.
    assert wait_for(lambda: _status(db, sms_id).status == "sent", timeout=60), "not delivered"
    assert len(sms_sink.received) == 1
    got = sms_sink.received[0]
    assert got["json"] == {"id": sms_id, "to": "13900000001", "text": "测试短信"}
    assert got["auth"] == "Bearer sink-token" and got["key"] == f"microcourt-sms-{sms_id}"
    assert _status(db, sms_id).gateway_ref == "gw-1"


@pytest.fixture
def http_gateway(redis_app, sms_sink, monkeypatch):
    """The test app sending SMS to the loopback sink, as a worker with GATEWAY's settings does."""
    monkeypatch.setitem(redis_app.config, "SMS_GATEWAY", "http")
    monkeypatch.setitem(redis_app.config, "SMS_HTTP_URL", sms_sink.url)
    monkeypatch.setitem(redis_app.config, "SMS_HTTP_TOKEN", GATEWAY["SMS_HTTP_TOKEN"])
    monkeypatch.setitem(redis_app.config, "SMS_RETRY_INTERVALS", (1, 1, 1, 1, 1))  # the enqueuer sets the backoff
    return sms_sink


def test_gateway_failure_is_retried_with_backoff(redis_app, db, http_gateway):
    http_gateway.fail_next = 2
    sms_id = _send(db)
    sent = work_off(redis_app, "notifications", until=lambda: _status(db, sms_id).status == "sent")
    assert sent, _status(db, sms_id).last_error
    msg = _status(db, sms_id)
    assert msg.attempts == 3 and len(http_gateway.received) == 1


def test_redis_down_loses_nothing(app, redis_app, db, http_gateway, monkeypatch):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    sms_id = _send(db)  # must not raise: the row is committed, the enqueue is logged and skipped
    assert _status(db, sms_id).status == "pending"
    from tests.conftest import REDIS_URL
    app.config["REDIS_URL"] = REDIS_URL  # Redis is back
    monkeypatch.setitem(app.config, "SMS_SWEEP_AFTER_SECONDS", 0)
    from app.services.notifications import sweep_unsent
    assert sweep_unsent() == 1
    work_off(app, "notifications")
    assert _status(db, sms_id).status == "sent"
    assert len(http_gateway.received) == 1


def test_delivering_twice_sends_once(app, db, sms_sink):
    app.config.update(SMS_GATEWAY="http", SMS_HTTP_URL=sms_sink.url)
    try:
        from jobs.sms import deliver_sms
        sms_id = _send(db)  # inline mode: delivered right after the commit
        deliver_sms(sms_id)
        deliver_sms(sms_id)
    finally:
        app.config.update(SMS_GATEWAY="outbox", SMS_HTTP_URL=None)
    assert len(sms_sink.received) == 1 and _status(db, sms_id).status == "sent"


def test_rolled_back_change_sends_nothing(app, db, sms_sink):
    from app.services.notifications import send_sms
    app.config.update(SMS_GATEWAY="http", SMS_HTTP_URL=sms_sink.url)
    try:
        send_sms("13900000002", "never", kind="test")
        db.session.rollback()
        db.session.commit()
    finally:
        app.config.update(SMS_GATEWAY="outbox", SMS_HTTP_URL=None)
    assert sms_sink.received == [] and db.session.scalar(select(SmsMessage)) is None


def test_periodic_scheduler_enqueues_sweep_once_per_slot(redis_app):
    from jobs.periodic import tick
    assert "jobs.sms.sweep_unsent" in tick(redis_app, now=1_000_000)
    assert tick(redis_app, now=1_000_001) == []  # same slot, another scheduler: nothing twice


def test_delivery_receipt_marks_delivered(app, client, db):
    app.config["SMS_RECEIPT_TOKEN"] = "receipt-token"
    try:
        sms_id = _send(db)
        assert client.post("/sms/receipt", json={"id": sms_id, "status": "delivered"}, csrf=False,
                           headers={"Authorization": "Bearer wrong"}).status_code == 403
        resp = client.post("/sms/receipt", json={"id": sms_id, "status": "delivered"}, csrf=False,
                           headers={"Authorization": "Bearer receipt-token"})
        assert resp.status_code == 200
    finally:
        app.config["SMS_RECEIPT_TOKEN"] = None
    assert _status(db, sms_id).delivered_at is not None


def test_sms_outbox_cli_prints_messages(app, db):
    _send(db, body="演示短信内容")
    out = app.test_cli_runner().invoke(args=["sms", "outbox"])  # the CLI command, without a process start
    assert out.exit_code == 0 and "演示短信内容" in out.output, out.output


def test_batch_delivery_retries_only_what_failed(redis_app, db, http_gateway):
    from app.services.notifications import enqueue_batches
    ids = []
    for i in range(5):
        msg = SmsMessage(phone=f"1390000010{i}", body=f"批量 {i}", kind="test")
        db.session.add(msg)
        db.session.flush()
        ids.append(msg.id)
    db.session.commit()
    http_gateway.fail_next = 2  # the first two POSTs fail: the batch is retried, sent ones skipped
    enqueue_batches(ids)
    assert work_off(redis_app, "notifications", until=lambda: all(_status(db, i).status == "sent" for i in ids))
    assert sorted(r["json"]["id"] for r in http_gateway.received) == ids  # each exactly once


def test_scheduler_without_redis_runs_each_job_once_per_slot(app):
    from jobs import periodic
    periodic._last_slot.clear()
    first = periodic.tick(app, now=2_000_000)
    assert "jobs.sms.sweep_unsent" in first
    assert periodic.tick(app, now=2_000_001) == []  # same slot: nothing again (inline mode)
    assert "jobs.sms.sweep_unsent" in periodic.tick(app, now=2_000_000 + 60)
