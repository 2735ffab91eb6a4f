"""Two stateless app servers on one PostgreSQL and one Redis behave as one court.

Real gunicorn processes on two loopback ports: a session made on A works on B, a rate limit
counts attempts made on both, and a hearing poll's ETag from A gives a 304 on B.
"""
import re
import socket
import subprocess
import sys
import time
import urllib.parse

import pytest

from bench.web import Browser
from tests.conftest import ROOT, worker_env

CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


def _port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def two_servers(app, redis_url, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("scale_out")
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("scale-out needs PostgreSQL as the shared system of record")
    import redis
    redis.Redis.from_url(redis_url).flushdb()
    env = worker_env(app, REDIS_URL=redis_url, LIMIT_PASSWORD="3 per 10 minutes")
    procs, bases = [], []
    for name in ("a", "b"):
        port = _port()
        log = open(tmp_path / f"server_{name}.log", "w")
        procs.append((subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "4", "-b", f"127.0.0.1:{port}",
             "--graceful-timeout", "2", "wsgi:app"],  # keep-alive clients would hold a graceful stop 30 s
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT), log))
        bases.append(f"http://127.0.0.1:{port}")
    deadline = time.time() + 30
    for base in bases:
        while True:
            try:
                if Browser(base).request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.time() < deadline, (tmp_path / "server_a.log").read_text()[-2000:]
            time.sleep(0.2)
    yield bases
    for proc, _log in procs:  # stop both at once, then wait: the shutdowns overlap
        proc.terminate()
    for proc, log in procs:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    redis.Redis.from_url(redis_url).flushdb()


def _on(base, browser):
    """The same person (cookies) talking to another server."""
    other = Browser(base)
    other.cookies = browser.cookies
    return other


def _sign_in(base, db, user):
    from app.services.auth import create_action_link
    path = create_action_link(user, "/", purpose="demo_sign_in", counts_as_face_check=True)
    db.session.commit()
    b = Browser(base)
    b.sign_in(base + path)
    return b


def test_session_made_on_one_server_works_on_the_other(two_servers, db, make_user):
    a, b = two_servers
    user = make_user("litigant", name="跨服务器用户")
    on_a = _sign_in(a, db, user)
    status, _h, page = _on(b, on_a).request("GET", "/")
    assert status == 200 and "跨服务器用户".encode() in page
    assert Browser(b).request("GET", "/")[0] == 302  # without the cookie: signed out


def test_rate_limit_counts_attempts_on_both_servers(two_servers, make_user):
    a, b = two_servers
    make_user("judge", username="judge-scale", password="right password")
    person = Browser(a)
    codes = []
    for i in range(5):
        server = _on((a, b)[i % 2], person)
        status, _h, page = server.request("GET", "/signin/staff")
        token = CSRF.search(page).group(1).decode()
        body = urllib.parse.urlencode({"csrf_token": token, "username": "judge-scale", "password": "wrong"})
        codes.append(server.request("POST", "/signin/staff", body=body)[0])
        person.cookies = server.cookies
    # 3 per 10 minutes, shared: A, B, A are refused as wrong passwords, then B and A are throttled.
    assert codes == [401, 401, 401, 429, 429]


def test_hearing_poll_etag_from_one_server_is_honoured_by_the_other(two_servers, db):
    from app import demo
    from app.demo import scale as demo_scale
    from app.models import User
    from sqlalchemy import select
    a, b = two_servers
    demo.seed()
    path = demo_scale.seed_big_hearing(5).split(" ")[0]
    db.session.commit()
    judge = db.session.scalar(select(User).where(User.username == "judge"))
    on_a = _sign_in(a, db, judge)
    status, _h, page = on_a.request("GET", path)
    assert status == 200
    poll = re.search(rb'hx-get="([^"]+/messages)"', page)
    last = re.search(rb'id="after" name="after" value="(\d+)"', page)
    assert poll and last, "the thread page has no poll"
    url = f"{poll.group(1).decode()}?after={last.group(1).decode()}"
    status, headers, _ = on_a.request("GET", url, headers={"HX-Request": "true"})
    assert status == 200 and headers.get("ETag")
    status, _h, body = _on(b, on_a).request("GET", url, headers={"HX-Request": "true",
                                                                 "If-None-Match": headers["ETag"]})
    assert status == 304 and body == b""
