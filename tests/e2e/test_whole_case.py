"""The whole case in Chromium (#17): a company sues a person, pays the fee through the loopback gateway,
the case is heard, a judgment is signed by the judge and the clerk, served, becomes effective, and the
case closes."""
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import ROOT
from tests.e2e.conftest import E2E_ENV, LAUNCH_ARGS, _free_port  # noqa: F401
from tests.loopback_gateway import LoopbackGateway
from tests.services.test_filing import PDF
from tests.services.test_parties import VALID_USCC

pytestmark = pytest.mark.e2e
CHEN_ID = "330102198511204322"  # 陈强 in the demo


@pytest.fixture(scope="module")
def gateway():
    gw = LoopbackGateway()
    yield gw
    gw.close()


@pytest.fixture(scope="module")
def fee_server(app, database_url, storage_dir, tmp_path_factory, gateway):
    """The app under gunicorn, as live_server, with the loopback payment gateway configured."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, DATABASE_URL=database_url, MICROCOURT_STORAGE=str(storage_dir),
               SECRET_KEY=app.config["SECRET_KEY"], MICROCOURT_BASE_URL=base, PAYMENT_GATEWAY="http",
               PAYMENT_GATEWAY_URL=gateway.url, PAYMENT_GATEWAY_SECRET=gateway.secret, **E2E_ENV)
    env.pop("REDIS_URL", None)
    log_path = tmp_path_factory.mktemp("fee_server") / "gunicorn.log"
    log = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{port}",
                             "--timeout", "60", "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/signin", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
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


@pytest.fixture
def pages(playwright_browser, fee_server):
    contexts = []

    def make(desktop=False):
        size = {"width": 1280, "height": 900} if desktop else {"width": 360, "height": 640}
        ctx = playwright_browser.new_context(base_url=fee_server, locale="zh-CN", viewport=size,
                                             extra_http_headers={"Accept-Language": "zh-CN"})
        ctx.set_default_timeout(20_000)
        ctx.add_cookies([{"name": "lang", "value": "zh", "url": fee_server}])
        contexts.append(ctx)
        return ctx.new_page()
    yield make
    for ctx in contexts:
        ctx.close()


def _signin(page, db, demo_user, base, name):
    from app.services.auth import create_action_link
    path = create_action_link(demo_user(name), "/", purpose="demo_sign_in", counts_as_face_check=True)
    db.session.commit()
    page.goto(base + path)
    page.click("form.card button")


def _upload(page, role, name):
    form = page.locator("form[action$='/attachments']")
    form.locator("select[name=role]").select_option(role)
    form.locator("input[type=file]").set_input_files({"name": name, "mimeType": "application/pdf", "buffer": PDF})
    form.locator("button").click()
    page.wait_for_load_state()
    # with JS the file goes up by XHR (with a progress bar) and the answer replaces the page
    page.wait_for_function("() => !document.querySelector('form.is-sending')")
    assert name in page.content()


def test_a_company_sues_a_person_pays_is_heard_judged_served_and_the_case_closes(
        pages, fee_server, gateway, db, seed_demo, demo_user):
    from app.models import Case, CourtDocument
    from app.services import court_documents
    from app.services.court_time import today as local_today

    # The company's lawyer files on its behalf.
    lawyer = pages()
    _signin(lawyer, db, demo_user, fee_server, "刘洋")
    lawyer.goto("/filings/new")
    lawyer.locator("select[name=kind]").select_option("commercial")
    lawyer.click("text=开始立案")
    details = lawyer.locator("form[action$='/details']")
    details.locator("input[name=title]").fill("上海某某贸易有限公司诉陈强买卖合同纠纷")
    details.locator("textarea[name=claims]").fill("判令被告支付货款人民币150000元")
    details.locator("textarea[name=facts]").fill("2025年原告向被告供货，被告至今未付款。")
    details.locator("input[name=amount]").fill("150000")
    details.locator("button").click()

    party = lawyer.locator("#add-party")
    party.locator("select[name=role]").select_option("plaintiff")
    party.locator("select[name=party_type]").select_option("legal_person")
    party.locator("input[name=name]").fill("上海某某贸易有限公司")
    party.locator("select[name=id_type]").select_option("uscc")
    party.locator("input[name=id_number]").fill(VALID_USCC[5][:17] + "A")  # a wrong check character
    party.locator("summary").click()
    party.locator("input[name=representative_name]").fill("李总")
    party.locator("input[name=representative_title]").fill("执行董事")
    party.locator("button").click()
    assert "统一社会信用代码" in lawyer.content() and "校验" in lawyer.content()
    party = lawyer.locator("#add-party")
    party.locator("input[name=id_number]").fill(VALID_USCC[5])
    party.locator("button").click()
    party = lawyer.locator("#add-party")
    party.locator("select[name=role]").select_option("defendant")
    party.locator("input[name=name]").fill("陈强")
    party.locator("input[name=id_number]").fill(CHEN_ID)
    party.locator("input[name=phone]").fill("13800000002")
    party.locator("button").click()
    assert "李总" in lawyer.content()
    for role in ("complaint", "id_document", "evidence_list", "power_of_attorney"):
        _upload(lawyer, role, f"{role}.pdf")
    lawyer.click("text=提交法院")
    ref = re.search(r"/filings/(LA\d{4}-[A-Z2-7]{6})", lawyer.url).group(1)

    # The clerk accepts; the fee is assessed with its notice.
    clerk = pages(desktop=True)
    _signin(clerk, db, demo_user, fee_server, "李敏")
    clerk.goto(f"/review/{ref}")
    clerk.click("text=立案受理")  # an irreversible act: it asks on a confirm page of its own first
    clerk.wait_for_url(re.compile(r"/accept/confirm"))
    clerk.click("form button:has-text('立案受理')")
    clerk.wait_for_load_state()
    db.session.expire_all()
    case = db.session.scalar(select(Case).where(Case.filing_ref == ref))
    assert case.state == "accepted" and case.case_number

    # The company pays through the gateway: the gateway's signed callback marks the fee paid.
    lawyer.goto(f"/cases/{case.id}/fees")
    assert "3300.00" in lawyer.content()
    lawyer.click("#pay button")
    lawyer.wait_for_url(re.compile(re.escape(gateway.url) + "/pay/"))
    lawyer.click("#pay")
    lawyer.wait_for_url(re.compile(f"/cases/{case.id}/fees"))
    assert lawyer.locator(".fee-paid").count() == 1
    assert gateway.callbacks and gateway.callbacks[-1][0] == 200

    # The defendant joins online and accepts e-service.
    defendant = pages()
    _signin(defendant, db, demo_user, fee_server, "陈强")
    defendant.goto(f"/filings/{ref}/join")
    defendant.locator("input[name=online][value=yes]").check()
    defendant.locator("input[name=e_service][value=yes]").check()
    defendant.locator("form button").last.click()

    # The case is heard: the judge opens a live trial room and speaks in it, then closes it.
    judge = pages(desktop=True)
    _signin(judge, db, demo_user, fee_server, "张俊")
    judge.goto(f"/cases/{case.id}/hearings")
    judge.locator("select[name=purpose]").select_option("trial")
    judge.locator("select[name=mode]").select_option("sync")
    judge.locator("form.card button").last.click()
    judge.locator("#compose textarea[name=text]").fill("现在开庭。请原告陈述诉讼请求。")
    judge.locator("#compose button").click()
    judge.wait_for_load_state()
    judge.click("a[href$='/close/confirm']")  # ending a session asks on a confirm page of its own
    judge.click("form[action$='/close'] button")
    judge.wait_for_load_state()

    # The judge drafts the judgment from the template and signs it; the clerk countersigns, seals and serves.
    judge.goto(f"/cases/{case.id}/court-documents/new?kind=judgment")
    judge.locator("textarea[name=findings]").fill("原告向被告供货，被告未付款。")
    judge.locator("textarea[name=reasoning]").fill("买卖合同合法有效，被告应当支付货款。")
    judge.locator("textarea[name=orders]").fill("被告陈强于本判决生效之日起十日内支付原告上海某某贸易有限公司货款150000元。")
    judge.locator("#draft button").click()
    assert "上海某某贸易有限公司" in judge.content() and "统一社会信用代码" in judge.content()
    judge.locator("#sign button").click()
    doc_url = judge.url
    clerk.goto(doc_url)
    clerk.locator("#countersign button").click()
    clerk.locator("#serve button").click()
    db.session.expire_all()
    doc = db.session.scalar(select(CourtDocument).where(CourtDocument.case_id == case.id))
    assert doc.state == "issued" and db.session.get(Case, case.id).state == "decided"

    # Both sides receive it on their phones.
    for page in (lawyer, defendant):
        service = [s for s in court_documents.services_of(doc) if s.recipient_id == demo_user(
            "刘洋" if page is lawyer else "陈强").id][0]
        page.goto(f"/service/{service.id}")
        page.locator("#ack button").click()
        assert "确认" in page.content() or "received" in page.content()

    # Fifteen days pass with no appeal: the periodic sweep makes it effective and the case closes.
    db.session.expire_all()
    assert court_documents.effective_on(db.session.get(CourtDocument, doc.id)) == local_today() + timedelta(days=16)
    assert court_documents.sweep_effects(local_today() + timedelta(days=16)) == 1
    db.session.commit()
    clerk.goto(f"/cases/{case.id}/court-documents")
    assert "已结案" in clerk.content() or "结案" in clerk.content()
    clerk.goto(doc_url)
    with clerk.expect_download() as dl:
        clerk.click(f"a[href$='/certificate.pdf']")
    assert dl.value.suggested_filename.endswith(".pdf") and "生效证明" in dl.value.suggested_filename
    case = db.session.get(Case, case.id)
    assert case.state == "closed" and case.close_reason == "judgment_effective"
