"""Server cost per page, in-process: application CPU per request and SQL statements per request,
each beside a bare Flask + psycopg page (one SELECT by primary key) measured in the same run.

    DATABASE_URL=... python -m bench.pages      # against a seeded database (make bench does this)

Why in-process: with one thread and no network, CPU per request is the application's own cost
(PostgreSQL's CPU is not included: the statements column stands for it). The ratio to the bare
page is what issue #19 sets goals on, and it holds on a busy machine where milliseconds do not.
"""
import re
import sys
import time
from contextlib import contextmanager

from bench.common import QUICK, metric

REQUESTS = 60 if QUICK else 300
PAGE_CPU_GOAL_MS = 1.0          # an unchanged DB-backed page, issue #19
POLL_CPU_GOAL_MS = 0.3          # the idle poll, issue #19
RATIO_GOAL = 4.0                # a changed page against the bare one


@contextmanager
def counting(engine):
    from sqlalchemy import event
    seen = []

    def count(*_args):
        seen.append(1)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def cost(get, n=REQUESTS, engine=None):
    """(CPU ms per request, statements per request, status) of `get()`, after a warm-up."""
    status = None
    for _ in range(3):
        status = get().status_code
    if engine is not None:
        with counting(engine) as seen:
            get()
        statements = len(seen)
    else:
        statements = None
    start = time.process_time()
    for _ in range(n):
        get()
    return (time.process_time() - start) * 1000 / n, statements, status


def bare_page(database_url):
    """The base of every ratio: Flask and psycopg, one SELECT by primary key, no ORM."""
    import psycopg
    from flask import Flask
    bare = Flask("bare")
    conn = psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True)

    @bare.route("/")
    def one_row():
        row = conn.execute("SELECT id, name FROM users ORDER BY id LIMIT 1").fetchone()
        return f"<p>{row[1] if row else ''}</p>"
    client = bare.test_client()
    try:
        return cost(lambda: client.get("/"))[0]
    finally:
        conn.close()


def signed_in(app, user):
    """A test client signed in the way a person is: a one-time link, confirmed by POST."""
    from app.extensions import db
    from app.services.auth import create_action_link
    with app.app_context():
        path = create_action_link(db.session.merge(user), "/", counts_as_face_check=True)
        db.session.commit()
    client = app.test_client()
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    resp = client.post(path, data={"csrf_token": token.group(1) if token else ""})
    if resp.status_code != 302:
        raise RuntimeError(f"sign-in as {user.name} answered {resp.status_code}")
    return client


def pages_to_measure(app, hearing_path=None):
    """[(name, user, url, headers)] found in the seeded database."""
    from sqlalchemy import func, select
    from app.extensions import db
    from app.models import Case, User
    from app.models.hearing import Hearing, HearingParticipant, Message
    with app.app_context():
        judge = db.session.scalar(select(User).where(User.role == "judge").order_by(User.id))
        clerk = db.session.scalar(select(User).where(User.role == "clerk", User.court_id == judge.court_id))
        if hearing_path:
            hid = int(hearing_path.rsplit("/", 1)[1])
        else:  # the hearing with the most messages
            hid = db.session.scalar(select(Message.hearing_id).group_by(Message.hearing_id)
                                    .order_by(func.count().desc()).limit(1))
        hearing = db.session.get(Hearing, hid)
        party = db.session.scalar(select(User).join(HearingParticipant, HearingParticipant.user_id == User.id)
                                  .where(HearingParticipant.hearing_id == hid, User.role != "judge",
                                         User.role != "clerk"))
        filing = db.session.scalar(select(Case).where(Case.court_id == judge.court_id,
                                                      Case.state.in_(("submitted", "resubmitted"))))
        last = db.session.scalar(select(func.max(Message.id)).where(Message.hearing_id == hid)) or 0
        db.session.expunge_all()
    thread = f"/cases/{hearing.case_id}/hearings/{hid}"
    rows = [("judge_home", judge, "/", {}),
            ("hearing_thread_party", party or judge, thread, {}),
            ("hearing_idle_poll", party or judge, f"{thread}/messages?after={last}", {"HX-Request": "true"})]
    if filing is not None and clerk is not None:
        rows.append(("filing_review", clerk, f"/review/{filing.filing_ref}", {}))
    return rows


def measure(app, hearing_path=None):
    """The metrics rows: per page CPU ms (goal, bare page as baseline) and statements."""
    from app.extensions import db
    with app.app_context():
        engine = db.engine
        base_ms = bare_page(app.config["SQLALCHEMY_DATABASE_URI"])
    rows = [metric("bare_flask_psycopg_cpu", base_ms, "ms", None,
                   note="one SELECT by primary key through Flask + psycopg: the base of every ratio below")]
    clients = {}
    for name, user, url, headers in pages_to_measure(app, hearing_path):
        client = clients.get(user.id) or clients.setdefault(user.id, signed_in(app, user))
        if name == "hearing_idle_poll":
            first = client.get(url, headers=headers)
            if first.headers.get("ETag"):
                headers = dict(headers, **{"If-None-Match": first.headers["ETag"]})
        ms, statements, status = cost(lambda: client.get(url, headers=headers), engine=engine)
        goal = POLL_CPU_GOAL_MS if name == "hearing_idle_poll" else PAGE_CPU_GOAL_MS
        ratio = ms / base_ms if base_ms else None
        rows.append(metric(f"{name}_cpu", ms, "ms", goal, baseline=base_ms,
                           note=f"{url} as {user.role}, answered {status}: {ratio:.1f}× the bare page "
                                f"(goal for a changed page ≤ {RATIO_GOAL:.0f}×), {1000 / ms:.0f} req/s per core "
                                f"in-process, {statements} statements; app CPU only"))
        rows.append(metric(f"{name}_statements", statements, "statements",
                           0 if name == "hearing_idle_poll" else None,
                           note="SQL statements per request (tests/test_statement_counts.py keeps them from "
                                "growing with the data)"))
    return rows


def main():
    from app import create_app
    from bench.run import print_table
    rows = measure(create_app())
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
