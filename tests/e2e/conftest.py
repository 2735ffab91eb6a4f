"""Browser tests: a real server process and Debian's Chromium driven by Playwright.

`live_server` runs gunicorn on the test PostgreSQL in demo mode (jobs inline); `phone_page()` opens a
page with the low-end phone profile from ../shared/BROWSER.md (360x640, touch, slow 3G, 4x CPU).
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from sqlalchemy import select

from tests.conftest import FACES_DIR, IN_CI, ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage"]
# Settings for the server under test; other test modules may read these to know how it runs.
E2E_ENV = {
    "MICROCOURT_DEMO": "1",
    "LIMIT_SMS_PER_NUMBER": "200 per hour",
    "LIMIT_SMS_PER_IP": "1000 per hour",
    "LIMIT_FACE_PER_USER": "200 per hour",
    "LIMIT_FACE_PER_IP": "1000 per hour",
    "FACE_LIVENESS_REQUIRED": "0",
}
PHONE = dict(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True, device_scale_factor=2)
SLOW_3G = dict(offline=False, latency=300, downloadThroughput=700 * 1024 / 8, uploadThroughput=700 * 1024 / 8)
pytestmark = pytest.mark.e2e


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path():
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        if IN_CI:
            pytest.exit(f"CI=true but Chromium is missing at {CHROMIUM}", returncode=3)
        pytest.skip("Chromium is not installed")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(app, database_url, storage_dir, tmp_path_factory):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, DATABASE_URL=database_url, MICROCOURT_STORAGE=str(storage_dir),
               SECRET_KEY=app.config["SECRET_KEY"], MICROCOURT_BASE_URL=base, **E2E_ENV)
    env.pop("REDIS_URL", None)
    log_path = tmp_path_factory.mktemp("server") / "gunicorn.log"
    log = open(log_path, "w")
    # One worker with threads: every e2e test shares this server, and a second worker would import
    # the app (and load the face model) again. A short graceful timeout: the browsers' keep-alive
    # connections would otherwise hold the shutdown for the full 30 s default.
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "4", "-b", f"127.0.0.1:{port}",
                             "--timeout", "60", "--graceful-timeout", "2", "wsgi:app"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/signin", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    else:
        pass
    if proc.poll() is not None:
        log.close()
        pytest.fail("the server did not start:\n" + log_path.read_text()[-3000:])
    yield base
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()


@pytest.fixture(scope="session")
def playwright_browser(chromium_path):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone_page(playwright_browser, live_server):
    """phone_page(js=True, lang="zh-CN", slow=True): a page on the low-end phone profile."""
    contexts = []

    def make(js=True, lang="zh-CN", slow=True):
        ctx = playwright_browser.new_context(base_url=live_server, locale=lang, java_script_enabled=js,
                                             extra_http_headers={"Accept-Language": lang}, **PHONE)
        ctx.set_default_timeout(20_000)
        contexts.append(ctx)
        page = ctx.new_page()
        if slow:
            cdp = ctx.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", SLOW_3G)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        return page
    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def court_page(playwright_browser, live_server):
    """court_page(lang="zh-CN"): a desktop page, as on a court PC."""
    contexts = []

    def make(lang="zh-CN", js=True):
        ctx = playwright_browser.new_context(base_url=live_server, locale=lang, java_script_enabled=js,
                                             extra_http_headers={"Accept-Language": lang},
                                             viewport={"width": 1280, "height": 900})
        ctx.set_default_timeout(20_000)
        contexts.append(ctx)
        return ctx.new_page()
    yield make
    for ctx in contexts:
        ctx.close()


_analysed = {}  # sha256 of a photo -> its FaceSample, for the whole run


@pytest.fixture
def seed_demo(app, db, monkeypatch):
    """The demo court, people and cases (with reference faces when ../shared/faces exists).

    Every e2e test seeds the same demo photos: each is analysed by dlib once per run (the analysis
    is a pure function of the bytes) instead of once per test. Face checks made by the server under
    test are not affected: they run in the gunicorn process."""
    import copy
    import hashlib
    from app import demo
    from app.services import faces as face_engine
    analyse = face_engine.analyse

    def analyse_once(data):
        key = hashlib.sha256(data).hexdigest()
        if key not in _analysed:
            _analysed[key] = analyse(data)
        return copy.deepcopy(_analysed[key])
    monkeypatch.setattr(face_engine, "analyse", analyse_once)
    faces = str(FACES_DIR) if FACES_DIR.is_dir() else None
    try:
        cases = demo.seed(faces)
    except ImportError:  # the identity module is not there yet
        cases = demo.seed(None)
    db.session.commit()
    monkeypatch.setattr(face_engine, "analyse", analyse)
    return {c.filing_ref: c for c in cases}


@pytest.fixture
def demo_user(db, seed_demo):
    from app.models import User

    def get(name):
        return db.session.scalar(select(User).where(User.name == name))
    return get


@pytest.fixture
def demo_link(db, live_server, demo_user):
    """demo_link(name, target="/"): a one-time sign-in URL that counts as a fresh face check."""
    from app.services.auth import create_action_link

    def make(name, target="/", face=True):
        path = create_action_link(demo_user(name), target, purpose="demo_sign_in", counts_as_face_check=face)
        db.session.commit()
        return live_server + path
    return make


@pytest.fixture
def sms_links(db):
    """sms_links(phone): every URL in the SMS messages sent to that phone, oldest first."""
    from app.models import SmsMessage

    def get(phone):
        db.session.expire_all()
        bodies = db.session.scalars(select(SmsMessage.body).where(SmsMessage.phone == phone).order_by(SmsMessage.id))
        return [u for b in bodies for u in re.findall(r"https?://\S+", b)]
    return get


@pytest.fixture
def last_sms(db):
    from app.models import SmsMessage

    def get(phone):
        db.session.expire_all()
        return db.session.scalar(select(SmsMessage.body).where(SmsMessage.phone == phone).order_by(SmsMessage.id.desc()))
    return get
