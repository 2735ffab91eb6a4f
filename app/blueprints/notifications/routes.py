import hmac
import re

from flask import Blueprint, abort, current_app, render_template, request
from markupsafe import Markup, escape
from sqlalchemy import select

from app.extensions import csrf, db
from app.models import SmsMessage
from app.services.notifications import record_receipt

bp = Blueprint("notifications", __name__)
URL_RE = re.compile(r"(https?://[^\s]+)")


def linkify(text):
    """Escape an SMS body and make its links clickable (demo outbox only)."""
    parts = URL_RE.split(text)
    return Markup("").join(Markup('<a href="{0}">{0}</a>').format(p) if URL_RE.fullmatch(p) else escape(p)
                           for p in parts)


@bp.route("/dev/sms")
def outbox():
    if not current_app.config["DEMO"]:
        abort(404)
    phone = request.args.get("phone", "").strip()
    q = select(SmsMessage).order_by(SmsMessage.id.desc()).limit(100)
    if phone:
        q = q.where(SmsMessage.phone == phone)
    return render_template("notifications/outbox.html", messages=db.session.scalars(q).all(),
                           phone=phone, linkify=linkify)


@bp.route("/sms/receipt", methods=["POST"])
@csrf.exempt  # a machine-to-machine callback authenticated by its own token
def receipt():
    expected = current_app.config.get("SMS_RECEIPT_TOKEN")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not expected or not hmac.compare_digest(expected, given):
        abort(403)
    data = request.get_json(silent=True) or {}
    msg = record_receipt(data.get("id"), data.get("ref"), data.get("status"))
    if msg is None:
        abort(404)
    db.session.commit()
    return {"ok": True}
