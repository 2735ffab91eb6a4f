"""SMS notifications: recorded in the same transaction as their cause, delivered by a job.

`send_sms()` is the only way to send a message. `deliver()` is idempotent (row lock, status
check, message id passed to the gateway as idempotency key); `sweep_unsent()` re-enqueues what a
Redis outage or a killed worker left behind.
"""
import json
import logging
import urllib.error
import urllib.request
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import SmsMessage, utcnow
from app.services.queue import dispatch, enqueue_after_commit

log = logging.getLogger("microcourt.sms")
MAX_ATTEMPTS = 6


class GatewayError(Exception):
    pass


def _retry():
    return (MAX_ATTEMPTS - 1, current_app.config["SMS_RETRY_INTERVALS"])


def send_sms(phone, body, *, kind, user=None, case=None):
    msg = SmsMessage(phone=phone, body=body, kind=kind,
                     user_id=user.id if user else None, case_id=case.id if case else None)
    db.session.add(msg)
    db.session.flush()
    enqueue_after_commit("jobs.sms.deliver_sms", msg.id, queue="notifications",
                         job_id=f"sms-{msg.id}", retry=_retry())
    return msg


class OutboxGateway:
    """Stores only: the demo's SMS outbox page shows what would have been sent."""
    def send(self, msg):
        return f"outbox-{msg.id}"


class HttpGateway:
    """POSTs JSON to a provider's URL with a bearer token; the message id is the idempotency key."""
    def __init__(self, url, token, timeout=10):
        if not url:
            raise GatewayError("SMS_HTTP_URL is not configured")
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, msg):
        payload = json.dumps({"id": msg.id, "to": msg.phone, "text": msg.body}).encode()
        req = urllib.request.Request(self.url, data=payload, method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.token or ''}",
            "Idempotency-Key": f"microcourt-sms-{msg.id}"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                body = resp.read(4096)
        except (urllib.error.URLError, OSError) as exc:
            raise GatewayError(f"gateway: {exc}") from exc
        try:
            return str(json.loads(body or b"{}").get("id") or "")[:100] or None
        except (ValueError, AttributeError):
            return None


def gateway():
    cfg = current_app.config
    if cfg["SMS_GATEWAY"] == "http":
        return HttpGateway(cfg["SMS_HTTP_URL"], cfg["SMS_HTTP_TOKEN"])
    return OutboxGateway()


def deliver(sms_id, via=None):
    """Send one SMS unless already sent. Raises GatewayError (after recording it) to get a retry."""
    msg = db.session.execute(
        select(SmsMessage).where(SmsMessage.id == sms_id).with_for_update()).scalar_one_or_none()
    if msg is None or msg.status != "pending":
        return msg
    msg.attempts += 1
    try:
        ref = (via or gateway()).send(msg)
    except GatewayError as exc:
        msg.last_error = str(exc)[:300]
        if msg.attempts >= MAX_ATTEMPTS:
            msg.status = "failed"
        log.warning("sms %s attempt %s failed: %s", msg.id, msg.attempts, exc)
        raise
    msg.status, msg.sent_at, msg.gateway_ref, msg.last_error = "sent", utcnow(), ref, None
    return msg


BATCH = 100


def enqueue_batches(ids, prefix="sms-batch"):
    """Deliver many recorded SMS in jobs of up to BATCH messages: RQ costs ~10 ms per job here, a
    loopback gateway call ~3 ms, so one job per message would spend most of its time in RQ."""
    app = current_app._get_current_object()
    for start in range(0, len(ids), BATCH):
        chunk = list(ids[start:start + BATCH])
        dispatch(app, "jobs.sms.deliver_sms_batch", (chunk,), queue="notifications",
                 job_id=f"{prefix}-{chunk[0]}-{chunk[-1]}", retry=_retry())


def sweep_unsent():
    """Re-enqueue messages still pending a while after they were recorded."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["SMS_SWEEP_AFTER_SECONDS"])
    ids = db.session.scalars(select(SmsMessage.id).where(
        SmsMessage.status == "pending", SmsMessage.created_at < cutoff,
        SmsMessage.attempts < MAX_ATTEMPTS).order_by(SmsMessage.id).limit(5000)).all()
    enqueue_batches(ids, prefix="sms-sweep")
    return len(ids)


def record_receipt(gateway_id, ref, status):
    """A delivery receipt from the http gateway."""
    from app.forms import as_id
    msg = db.session.get(SmsMessage, as_id(gateway_id)) if as_id(gateway_id) else None
    if msg is None or (ref and msg.gateway_ref and msg.gateway_ref != ref):
        return None
    if status == "delivered" and msg.delivered_at is None:
        msg.delivered_at = utcnow()
    return msg
