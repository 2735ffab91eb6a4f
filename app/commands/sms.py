"""`flask sms outbox`: the demo SMS outbox in the terminal."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.models import SmsMessage
from app.services.court_time import format_moment

sms_cli = AppGroup("sms", help="SMS messages.")


@sms_cli.command("outbox")
@click.option("--phone", default=None, help="Only messages to this number.")
@click.option("--limit", default=50, show_default=True)
def outbox(phone, limit):
    """Print the latest SMS messages, newest last."""
    q = select(SmsMessage).order_by(SmsMessage.id.desc()).limit(limit)
    if phone:
        q = q.where(SmsMessage.phone == phone)
    for m in reversed(db.session.scalars(q).all()):
        click.echo(f"{format_moment(m.created_at, '%Y-%m-%d %H:%M:%S')} {m.phone} [{m.status}] {m.body}")
