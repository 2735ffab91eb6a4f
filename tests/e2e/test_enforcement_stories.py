"""The enforcement seed stories in Chromium on the phone profile, from the SMS links.

Huangpu: the judge asks in the case group; the mother opens the SMS on a cheap phone with JS off,
passes the face check, confirms receipt of 23,084 yuan and signs; the case closes as 执行完毕.
Songjiang: the judge serves the notice of enforcement and the order to report property; the
respondent opens the notice from the SMS; the applicant sends a property clue the respondent never sees."""
import re
import time
from datetime import date

import pytest
from sqlalchemy import select

from tests.conftest import FACES_DIR

pytestmark = pytest.mark.e2e


def _enforcement_case(db, seed_demo, demo_user, ref, number, amount, paid):
    """A fresh accepted enforcement case between the demo people, made through the services."""
    from app.models import Case, CaseParty
    from app.services import e_service, enforcement as enf
    from app.demo.enforcement import _pdf
    judge, wang, chen = demo_user("张俊"), demo_user("王芳"), demo_user("陈强")
    case = Case(filing_ref=ref, kind="enforcement", state="draft", title="王芳申请执行陈强抚养费纠纷",
                court_id=judge.court_id, filed_by=wang, judge=judge, claims="支付抚养费", facts="判决已生效")
    case.parties = [CaseParty(role="applicant", name=wang.name, phone=wang.phone, user=wang),
                    CaseParty(role="respondent", name=chen.name, phone=chen.phone, user=chen)]
    db.session.add(case)
    db.session.flush()
    enf.set_application(case, wang, instrument_kind="judgment", effective_on=date(2025, 10, 9),
                        instrument_number="(2024)沪0101民初2208号", amount=amount,
                        instrument_upload=_pdf("判决书.pdf", "Judgment"), proof_upload=_pdf("生效证明.pdf", "Proof"))
    case.state, case.case_number = "accepted", number
    enf.on_accepted(case, judge)
    for party in case.parties:
        e_service.record_consent(case, party, party.user, "explicit")
    if paid:
        enf.record_entry(case, judge, kind="payment", amount=amount, on_date=date(2026, 4, 1))
        enf.record_entry(case, judge, kind="payout", amount=amount, on_date=date(2026, 4, 12))
    db.session.commit()
    return case


def _sign_in(page, url, wait):
    page.goto(url)
    page.click("form.card button")  # the one-time link's confirm step (an SMS GET never acts)
    page.wait_for_url(wait)


def _open_sms(page, url):
    page.goto(url)
    page.click("form.card button")
    page.wait_for_load_state()
    if "/consent" in page.url:  # first entry to the group asks consent to this stage
        page.click("button[name=given][value=yes]")
        page.wait_for_load_state()


def _face(page):
    page.wait_for_url(re.compile(r"/identity/check"))
    page.set_input_files("input[name=selfie]", str(FACES_DIR / "obama_2.jpg"))  # 王芳's reference is obama_1
    page.click("#face-check button")


def test_huangpu_mother_confirms_receipt_from_the_sms_with_js_off(court_page, phone_page, demo_link, seed_demo,
                                                                   demo_user, db, sms_links):
    from app.models import Case
    from app.models.enforcement import ReceiptConfirmation
    from app.services import enforcement as enf
    case = _enforcement_case(db, seed_demo, demo_user, "LA2026-E2E01", "(2026)沪0101执901号", "23084", paid=True)
    judge = court_page()
    _sign_in(judge, demo_link("张俊", f"/enforcement/cases/{case.id}"), re.compile(rf"/enforcement/cases/{case.id}$"))
    judge.click("text=请申请执行人确认收款并以执行完毕结案")
    judge.wait_for_selector(".flash.success")
    conf = db.session.scalar(select(ReceiptConfirmation).where(ReceiptConfirmation.execution_id ==
                                                               enf.execution_for(case).id))
    wang = demo_user("王芳")
    started = time.monotonic()
    page = phone_page(js=False)
    _open_sms(page, sms_links(wang.phone)[-1])  # "the court has a question for you …"
    if "/identity/check" in page.url:  # the group may ask for a face check on entry
        _face(page)
    page.click(f"a[href='/enforcement/cases/{case.id}/confirmations/{conf.id}']")
    assert "23,084.00" in page.content()
    page.check("input[name=agree]")
    page.click("#confirm button")
    if "/identity/check" in page.url:
        _face(page)
        page.wait_for_url(re.compile(rf"/confirmations/{conf.id}$"))
        page.check("input[name=agree]")
        page.click("#confirm button")
    page.wait_for_selector(".flash.success")
    elapsed = time.monotonic() - started
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "closed"
    assert enf.execution_for(db.session.get(Case, case.id)).status == "completed"
    from app.models import FaceCheck, SignatureApplication
    assert db.session.scalar(select(FaceCheck).where(FaceCheck.user_id == wang.id)) is not None  # a real face check
    conf = db.session.get(ReceiptConfirmation, conf.id)
    assert db.session.get(SignatureApplication, conf.signature_application_id).user_id == wang.id
    print(f"\nHuangpu story: SMS opened to receipt confirmed and signed in {elapsed:.1f} s (phone, JS off, slow 3G)")


def test_songjiang_notice_served_and_clue_hidden_from_the_respondent(court_page, phone_page, demo_link, seed_demo,
                                                                      demo_user, db, sms_links):
    from app.services import enforcement as enf
    case = _enforcement_case(db, seed_demo, demo_user, "LA2026-E2E02", "(2026)沪0101执902号", "300000", paid=False)
    judge = court_page()
    _sign_in(judge, demo_link("张俊", f"/enforcement/cases/{case.id}"), re.compile(rf"/enforcement/cases/{case.id}$"))
    judge.click("text=生成并送达执行通知书和报告财产令")
    judge.wait_for_selector(".flash.success")
    chen = demo_user("陈强")
    from app.models import SmsMessage
    body = db.session.scalar(select(SmsMessage.body).where(SmsMessage.phone == chen.phone,
                                                          SmsMessage.body.contains("执行通知书"),
                                                          SmsMessage.body.contains(case.number)))
    resp = phone_page(js=True)
    # The service SMS carries no sign-in token: it names the case and the document and links to the
    # service page, where the respondent signs in as himself (here by his demo sign-in link).
    service_url = re.search(r"https?://\S+", body).group(0)
    assert re.search(r"/service/\d+$", service_url)
    _sign_in(resp, demo_link("陈强", re.sub(r"^https?://[^/]+", "", service_url)), re.compile(r"/service/\d+$"))
    assert "执行通知书" in resp.content()
    # the applicant sends a clue from the phone, JS off
    app_page = phone_page(js=False)
    _sign_in(app_page, demo_link("王芳", f"/enforcement/cases/{case.id}", face=False),
             re.compile(rf"/enforcement/cases/{case.id}$"))
    app_page.select_option("select[name=kind]", "real_estate")
    app_page.fill("textarea[name=description]", "松江区某路8号302室")
    app_page.click("text=向法院提交线索")
    app_page.wait_for_selector(".flash.success")
    clue = enf.execution_for(case).clues[0]
    # the respondent sees neither the clue on the case page nor by its URL
    resp.goto(f"/enforcement/cases/{case.id}")
    assert "松江区某路8号302室" not in resp.content()
    assert resp.goto(f"/enforcement/clues/{clue.id}").status == 404
    # the judge records the seizure
    judge.goto(f"/enforcement/clues/{clue.id}")
    judge.select_option("select[name=action]", "seized")
    judge.fill("input[name=done_on]", "2026-12-01")
    judge.click("form:has(select[name=action]) button")
    judge.wait_for_selector(".flash.success")
    assert "已查封" in judge.content()
