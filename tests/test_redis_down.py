"""With REDIS_URL set and Redis down, people can still sign in: rate limits fall back to memory and
the code request is recorded for the sweep (then the SMS, for its own sweep). Runs in its own process: it needs an app bound to a dead Redis."""
import subprocess
import sys

from sqlalchemy import select

from tests.conftest import ROOT, worker_env

SCRIPT = r'''
import re
from app import create_app
from app.extensions import db
from app.models import SignInCodeRequest, SmsMessage, User
app = create_app()
app.config["WTF_CSRF_ENABLED"] = False
with app.app_context():
    db.session.add(User(role="litigant", name="断网", phone="13900009999"))
    db.session.commit()
c = app.test_client()
r = c.post("/signin/phone", data={"phone": "13900009999"})
print("phone", r.status_code)
with app.app_context():
    req = db.session.query(SignInCodeRequest).one()
    print("request", "pending" if req.handled_at is None else req.outcome)
from jobs.signin import send_login_code
send_login_code(req.id)  # what a worker does with the sweep's job once Redis is back
with app.app_context():
    msg = db.session.query(SmsMessage).one()
    code = re.search(r"(\d{6})", msg.body).group(1)
    print("sms", msg.status)
r = c.post("/signin/code", data={"phone": "13900009999", "code": code})
print("code", r.status_code, r.location)
print("home", c.get("/").status_code)
'''


def test_sign_in_works_while_redis_is_down(app, db):
    env = worker_env(app, REDIS_URL="redis://127.0.0.1:1/0")
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.split("\n")
    assert "phone 302" in lines and "request pending" in lines, out.stdout
    assert "sms pending" in lines and "home 200" in lines, out.stdout
    assert any(line.startswith("code 302") for line in lines), out.stdout
    from app.models import SmsMessage
    assert db.session.scalar(select(SmsMessage.status)) == "pending"  # the sweep will send it
