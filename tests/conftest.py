"""Fixtures: the app on PostgreSQL (SQLite when none is reachable and CI is not set), a clean
database per test, clients that carry a CSRF token, sign-in helpers, callable factories, and a
real Redis with a real RQ worker for the job tests."""
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
# The shared face photos sit beside the clone (../shared/faces) or beside a folder of worktrees.
FACES_DIR = Path(os.environ.get("FACES_DIR") or next(
    (p for p in (ROOT.parent / "shared" / "faces", ROOT.parent.parent / "shared" / "faces") if p.is_dir()),
    ROOT.parent / "shared" / "faces"))
IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://127.0.0.1:5432/test")
# Each test run gets a Redis database of its own (several runs may share this machine).
REDIS_URL = os.environ.get("TEST_REDIS_URL", f"redis://127.0.0.1:6379/{1 + os.getpid() % 13}")


def _reachable(url, default_port):
    u = urlparse(url.replace("+psycopg", ""))
    try:
        with socket.create_connection((u.hostname or "127.0.0.1", u.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def _pg_admin(sql):
    import psycopg
    with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A PostgreSQL database of this run's own, made beside TEST_DATABASE_URL and dropped after."""
    if not _reachable(PG_URL, 5432):
        if IN_CI:
            pytest.exit(f"CI=true but PostgreSQL is not reachable at {PG_URL}", returncode=3)
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    name = f"microcourt_test_{os.getpid()}"
    _pg_admin(f"DROP DATABASE IF EXISTS {name}")
    _pg_admin(f"CREATE DATABASE {name}")
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    try:
        _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except Exception:  # noqa: BLE001 - a leftover database is harmless
        pass


@pytest.fixture(scope="session")
def storage_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("files")


@pytest.fixture(scope="session")
def app(database_url, storage_dir):
    from app import create_app
    from app.config import TestConfig
    from app.extensions import db

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        STORAGE = str(storage_dir)

    application = create_app(Config)
    with application.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
    return application


@pytest.fixture(autouse=True)
def _clean(request):
    """Every test starts with empty tables and fresh rate limits."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from app.extensions import db, limiter
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            # DELETE: ~5 ms, against ~360 ms for TRUNCATE of every table. Foreign-key triggers are
            # off for this connection, as some tables point at each other (items <-> messages).
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("SET session_replication_role = replica"))
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("SET session_replication_role = DEFAULT"))
        try:
            limiter.reset()
        except Exception:  # noqa: BLE001 - a storage without reset support keeps its counts
            pass


@pytest.fixture
def db(app):
    from app.extensions import db as _db
    with app.app_context():
        yield _db
        _db.session.remove()


class CourtClient(FlaskClient):
    """A browser-like client: every POST carries a valid CSRF token unless csrf=False."""

    def csrf_token(self):
        with self.session_transaction() as sess:
            if "csrf_token" not in sess:
                sess["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()
            raw = sess["csrf_token"]
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def open(self, *args, **kwargs):
        # A fresh app context per request, as in production: `g` (locale, signed-in user) and the
        # database session must not leak from the test, or from one request to the next.
        with self.application.app_context():
            resp = super().open(*args, **kwargs)
        from app.extensions import db as _db
        _db.session.expire_all()
        return resp

    def post(self, *args, csrf=True, **kwargs):
        if csrf:
            data = kwargs.setdefault("data", {})
            if isinstance(data, dict):
                data.setdefault("csrf_token", self.csrf_token())
        return super().post(*args, **kwargs)


@pytest.fixture
def client(app, db):
    app.test_client_class = CourtClient
    return app.test_client()


@pytest.fixture
def make_client(app, db):
    app.test_client_class = CourtClient
    return app.test_client


@pytest.fixture
def htmx(client):
    """The same client, sending HX-Request like htmx does."""
    class Htmx:
        def get(self, url, **kw):
            return client.get(url, headers={"HX-Request": "true", **kw.pop("headers", {})}, **kw)

        def post(self, url, **kw):
            return client.post(url, headers={"HX-Request": "true", **kw.pop("headers", {})}, **kw)
    return Htmx()


@pytest.fixture
def make_court(db):
    from app.models import Court
    counter = iter(range(1, 10_000))

    def make(name=None, code=None):
        n = next(counter)
        court = Court(name=name or f"测试法院{n}", code=code or f"沪{n:04d}")
        db.session.add(court)
        db.session.commit()
        return court
    return make


@pytest.fixture
def make_user(db, make_court):
    from app.models import User
    counter = iter(range(1, 10_000))

    def make(role="litigant", name=None, phone=None, court=None, password=None, username=None):
        n = next(counter)
        if role in ("judge", "clerk", "admin"):
            court = court or make_court()
            username = username or f"{role}{n}"
        else:
            phone = phone or f"139{n:08d}"
        user = User(role=role, name=name or f"{role}{n}", phone=phone, username=username,
                    court_id=court.id if court else None)
        user.set_password(password or "correct horse")
        db.session.add(user)
        db.session.commit()
        return user
    return make


@pytest.fixture
def make_case(db, make_user, make_court):
    from app.models import Case, CaseParty
    counter = iter(range(1, 10_000))

    def make(court=None, filer=None, defendant=None, state="accepted", kind="civil", number=True):
        n = next(counter)
        court = court or make_court()
        filer = filer or make_user("litigant")
        case = Case(court_id=court.id, kind=kind, state=state, filing_ref=f"LA2026-T{n:05d}",
                    case_number=f"(2026){court.code}民初{n}号" if number else None,
                    title=f"测试案件{n}", filed_by_id=filer.id)
        case.parties = [CaseParty(role="plaintiff", name=filer.name, phone=filer.phone, user_id=filer.id)]
        if defendant is not None:
            case.parties.append(CaseParty(role="defendant", name=defendant.name, phone=defendant.phone,
                                          user_id=defendant.id))
        db.session.add(case)
        db.session.commit()
        return case
    return make


@pytest.fixture
def world(db, make_user, make_court):
    """The filing tests' court (上海市浦东新区人民法院, 沪0115), its clerk (立案庭书记员) and a litigant,
    王芳, whose ID number (身份证号) is valid: (court, clerk, filer)."""
    from app.services.id_numbers import check_char
    court = make_court(name="上海市浦东新区人民法院", code="沪0115")
    clerk = make_user("clerk", court=court)
    filer = make_user("litigant", name="王芳", phone="13800000001")
    filer.id_number = "31010119900307123" + check_char("31010119900307123")
    db.session.commit()
    return court, clerk, filer


@pytest.fixture
def auth(client, db):
    """Sign the test client in as a user, the way a person does (a one-time link, used by POST)."""
    from app.services.auth import create_action_link

    class Auth:
        def login(self, user, face=False, c=None):
            path = create_action_link(user, "/", counts_as_face_check=face)
            db.session.commit()
            resp = (c or client).post(path)
            assert resp.status_code == 302, resp.data[:500]
            return resp

        def logout(self, c=None):
            return (c or client).post("/signout")
    return Auth()


# --- Redis and a real RQ worker -------------------------------------------------------------

@pytest.fixture(scope="session")
def redis_url():
    if not _reachable(REDIS_URL, 6379):
        if IN_CI:
            pytest.exit(f"CI=true but Redis is not reachable at {REDIS_URL}", returncode=3)
        pytest.skip("Redis is not running")
    return REDIS_URL


@pytest.fixture
def redis_app(app, redis_url):
    """The app with jobs going to RQ on the test Redis database (flushed before and after)."""
    import redis
    conn = redis.Redis.from_url(redis_url)
    conn.flushdb()
    app.config["REDIS_URL"] = redis_url
    yield app
    app.config["REDIS_URL"] = None
    conn.flushdb()


def worker_env(app, **extra):
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"] or REDIS_URL,
        "MICROCOURT_STORAGE": app.config["STORAGE"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "MICROCOURT_DEMO": "1",
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture
def start_worker(redis_app, tmp_path):
    """Start a real `flask jobs worker` process; stopped at the end of the test."""
    procs = []

    def start(*queues, **env):
        log = open(tmp_path / f"worker{len(procs)}.log", "w")
        proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", *queues],
                                cwd=ROOT, env=worker_env(redis_app, **env), stdout=log, stderr=subprocess.STDOUT)
        procs.append((proc, log))
        return proc
    yield start
    for proc, _log in procs:  # stop them all at once, then wait
        proc.terminate()
    for proc, log in procs:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def run_burst_worker(redis_app, *queues, timeout=120, **env):
    """Run a real `flask jobs worker --burst` to completion: it works off every job already queued and
    exits, so a test proves that a job did (or did not) do something without sleeping. Returns the log."""
    proc = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--burst", *queues],
                          cwd=ROOT, env=worker_env(redis_app, **env), capture_output=True, text=True,
                          timeout=timeout)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    return log


def work_off(app, *queues, until=None, timeout=30):
    """The real RQ worker (SimpleWorker), in this process and in burst mode: it runs every queued job
    with the test app's configuration and returns when the queues are empty. With `until`, it goes on
    until that holds: retries with a backoff come back from RQ's scheduler only when they are due.
    Saves a worker process start (app import, face model) per test; one test per job kind still
    uses a separate `flask jobs worker` process."""
    from rq import SimpleWorker
    from app.services.queue import QUEUES, redis_client
    deadline = time.time() + timeout
    while True:
        worker = SimpleWorker(list(queues or QUEUES), connection=redis_client(app.config["REDIS_URL"]))
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
        finally:  # the worker installs its own; Ctrl-C must still stop pytest
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
        if until is None or until() or time.time() > deadline:
            return until() if until is not None else True
        time.sleep(0.2)


def wait_for(predicate, timeout=20, interval=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


# --- a loopback SMS gateway ------------------------------------------------------------------

@pytest.fixture
def sms_sink():
    """A real HTTP server on loopback that records SMS POSTs; `fail_next` makes it answer 503."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Sink:
        received = []
        fail_next = 0
        lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with Sink.lock:
                if Sink.fail_next > 0:
                    Sink.fail_next -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                Sink.received.append({"json": json.loads(body), "auth": self.headers.get("Authorization"),
                                      "key": self.headers.get("Idempotency-Key")})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"id": f"gw-{len(Sink.received)}"}).encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Sink.received, Sink.fail_next = [], 0
    Sink.url = f"http://127.0.0.1:{server.server_port}/send"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Sink
    server.shutdown()
