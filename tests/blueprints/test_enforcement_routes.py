"""Enforcement pages: who sees what, bad input kept and explained, the applicant's signed confirmation."""
import io
import re

from app.models import Case, CaseParty
from app.models.enforcement import ExecutionCase
from app.services import enforcement as enf
from tests.services.test_enforcement import _pdf, _signature, make_enforcement, people  # noqa: F401 (fixtures)


def test_outsider_sees_nothing(client, auth, people, make_enforcement):
    case = make_enforcement()
    clue = enf.submit_clue(case, people["applicant"], kind="vehicle", description="沪A12345")
    from app.extensions import db
    db.session.commit()
    auth.login(people["outsider"])
    for url in (f"/enforcement/cases/{case.id}", f"/enforcement/clues/{clue.id}",
                f"/enforcement/cases/{case.id}/application", "/enforcement/"):
        assert client.get(url).status_code == 404, url


def test_respondent_never_sees_clues_even_by_url(client, auth, db, people, make_enforcement):
    case = make_enforcement()
    upload = _pdf("房产证.pdf")
    clue = enf.submit_clue(case, people["applicant"], kind="real_estate", description="松江区某路1号601室",
                           upload=upload)
    db.session.commit()
    auth.login(people["respondent"])
    page = client.get(f"/enforcement/cases/{case.id}")
    assert page.status_code == 200
    assert "松江区某路1号601室".encode() not in page.data and b"/enforcement/clues/" not in page.data
    assert client.get(f"/enforcement/clues/{clue.id}").status_code == 404
    assert client.get(f"/enforcement/clues/{clue.id}/attachment").status_code == 404
    # ...and neither do the group's messages or the case's events name it
    assert client.post(f"/enforcement/cases/{case.id}/clues", data={"kind": "other", "description": "x"}).status_code == 404


def test_applicant_sends_a_clue_and_the_judge_records_a_freeze(client, auth, db, people, make_enforcement):
    case = make_enforcement()
    auth.login(people["applicant"])
    resp = client.post(f"/enforcement/cases/{case.id}/clues",
                       data={"kind": "bank_account", "description": "工商银行 6222 0000", "key": "abc",
                             "attachment": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "流水.pdf")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    page = client.get(f"/enforcement/cases/{case.id}")
    assert "工商银行 6222 0000".encode() in page.data
    clue = enf.execution_for(case).clues[0]
    auth.logout()
    auth.login(people["judge"])
    assert "工商银行".encode() not in client.get("/enforcement/").data  # the list names kinds, not details
    assert client.post(f"/enforcement/clues/{clue.id}", data={"action": "frozen", "done_on": "2026-12-01",
                                                              "note": "冻结"}).status_code == 302
    assert "冻结".encode() in client.get(f"/enforcement/clues/{clue.id}").data


def test_bad_amounts_are_explained_and_the_input_kept(client, auth, people, make_enforcement):
    case = make_enforcement(amount="23084")
    auth.login(people["judge"])
    resp = client.post(f"/enforcement/cases/{case.id}/ledger",
                       data={"kind": "payment", "amount": "-5", "on_date": "2026-12-01", "note": "银行转账"})
    assert resp.status_code == 400 and "请填写大于零的金额".encode() in resp.data and "银行转账".encode() in resp.data
    resp = client.post(f"/enforcement/cases/{case.id}/ledger",
                       data={"kind": "payment", "amount": "abc", "on_date": "2026-12-01"})
    assert resp.status_code == 400 and b'value="abc"' in resp.data
    resp = client.post(f"/enforcement/cases/{case.id}/ledger",
                       data={"kind": "payment", "amount": "23084.01", "on_date": "2026-12-01"})
    assert resp.status_code == 400 and "超过尚未履行的金额（23,084.00 元）".encode() in resp.data
    assert enf.totals(enf.execution_for(case))["paid"] == 0


def test_chinese_page_labels_the_parties_for_enforcement(client, auth, people, make_enforcement):
    case = make_enforcement()
    auth.login(people["applicant"])
    page = client.get(f"/enforcement/cases/{case.id}", headers={"Accept-Language": "zh-CN"}).data.decode()
    assert "申请执行人" in page and "被执行人" in page


def test_only_the_applicant_confirms_receipt_and_it_closes_the_case(client, make_client, auth, db, people,
                                                                     make_enforcement):
    case = make_enforcement(amount="23084")
    judge = people["judge"]
    enf.record_entry(case, judge, kind="payment", amount="23084", on_date="2026-12-01")
    enf.record_entry(case, judge, kind="payout", amount="23084", on_date="2026-12-02")
    db.session.commit()
    auth.login(judge)
    resp = client.post(f"/enforcement/cases/{case.id}/confirmations", data={"days": "3"})
    assert resp.status_code == 302
    conf_url = resp.headers["Location"]
    conf = db.session.scalars(db.select(__import__("app.models.enforcement", fromlist=["x"]).ReceiptConfirmation)).one()
    auth.logout()
    other = make_client()
    auth.login(people["respondent"], face=True, c=other)
    r = other.post(f"{conf_url}/confirm", data={"doc_hash": conf.content_hash, "agree": "y"})
    assert r.status_code == 302
    other.get(r.headers["Location"])
    db.session.expire_all()
    assert db.session.get(ExecutionCase, enf.execution_for(case).id).status == "open"
    _signature(db, people["applicant"])
    db.session.commit()
    auth.login(people["applicant"], face=True)
    page = client.get(conf_url)
    assert b"23,084.00" in page.data and b'name="agree"' in page.data
    assert client.get(f"{conf_url}/confirm").status_code == 302  # a GET never confirms
    assert db.session.get(Case, case.id).state != "closed"
    r = client.post(f"{conf_url}/confirm", data={"doc_hash": conf.content_hash, "agree": "y"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "closed"
    assert enf.execution_for(db.session.get(Case, case.id)).status == "completed"


def test_filer_names_the_instrument(client, auth, db, people):
    case = Case(court_id=people["court"].id, kind="enforcement", state="draft", filing_ref="LA2026-R1",
                filed_by_id=people["applicant"].id)
    case.parties = [CaseParty(role="applicant", name="王某", user_id=people["applicant"].id)]
    db.session.add(case)
    db.session.commit()
    auth.login(people["applicant"])
    url = f"/enforcement/cases/{case.id}/application"
    assert client.get(url).status_code == 200
    resp = client.post(url, data={"instrument_kind": "judgment", "source": "upload", "instrument_case": "0",
                                  "instrument_number": "(2025)沪0117民初9号", "effective_on": "2026-01-05",
                                  "amount": "300000"}, content_type="multipart/form-data")
    assert resp.status_code == 400 and "(2025)沪0117民初9号".encode() in resp.data  # no document: refused, kept
    resp = client.post(url, data={"instrument_kind": "judgment", "source": "upload", "instrument_case": "0",
                                  "instrument_number": "(2025)沪0117民初9号", "effective_on": "2026-01-05",
                                  "amount": "300000",
                                  "instrument_file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "判决书.pdf"),
                                  "proof_file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "生效证明.pdf")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    assert enf.execution_for(case).instrument_number == "(2025)沪0117民初9号"


def test_judge_serves_the_opening_documents_and_the_respondent_opens_them(client, auth, db, people, make_enforcement):
    from app.services import e_service
    case = make_enforcement()
    respondent_party = next(p for p in case.parties if p.role == "respondent")
    e_service.record_consent(case, respondent_party, people["respondent"], "explicit")
    db.session.commit()
    auth.login(people["judge"])
    assert client.post(f"/enforcement/cases/{case.id}/documents", data={"report_days": "5"}).status_code == 302
    auth.logout()
    auth.login(people["respondent"])
    page = client.get(f"/enforcement/cases/{case.id}").data.decode()
    assert "执行通知书" in page and "报告财产令" in page
    assert client.post(f"/enforcement/cases/{case.id}/documents", data={"report_days": "5"}).status_code == 404


def test_settlement_measures_and_termination_pages(client, auth, db, people, make_enforcement):
    from app.models.enforcement import TERMINATION_CONDITIONS, ExecutionSettlement
    case = make_enforcement()
    resp_party = next(p for p in case.parties if p.role == "respondent")
    auth.login(people["judge"])
    base = f"/enforcement/cases/{case.id}"
    assert client.get(base).status_code == 200
    assert client.post(f"{base}/settlements", data={"terms": "分两期付清"}).status_code == 302
    s = db.session.scalars(db.select(ExecutionSettlement)).one()
    r = client.post(f"{base}/measures", data={"kind": "consumption_ban", "party": str(resp_party.id),
                                              "start_on": "2026-13-01", "reason": "拒不履行"})
    assert r.status_code == 400 and "拒不履行".encode() in r.data  # the reason typed is kept
    assert client.post(f"{base}/measures", data={"kind": "consumption_ban", "party": str(resp_party.id),
                                                 "start_on": "2026-12-01", "reason": "拒不履行"}).status_code == 302
    assert client.post(f"{base}/terminate").status_code == 302
    assert enf.execution_for(case).status == "open"  # no interview yet: refused
    assert client.post(f"{base}/interviews", data={"held_on": "2026-12-02", "notes": "约谈",
                                                   "conditions": list(TERMINATION_CONDITIONS)}).status_code == 302
    auth.logout()
    # a party signs the settlement after a face check; the respondent cannot terminate
    _signature(db, people["respondent"])
    db.session.commit()
    auth.login(people["respondent"], face=True)
    assert client.post(f"{base}/terminate").status_code == 404
    page = client.get(f"{base}/settlements/{s.id}")
    assert page.status_code == 200 and b'name="agree"' in page.data
    assert client.post(f"{base}/settlements/{s.id}/sign",
                       data={"doc_hash": s.content_hash, "agree": "y"}).status_code == 302
    assert people["respondent"].id in enf.settlement_signers(db.session.get(ExecutionSettlement, s.id))
    auth.logout()
    auth.login(people["judge"])
    assert client.post(f"{base}/terminate").status_code == 302
    assert enf.execution_for(db.session.get(Case, case.id)).status == "terminated"


def test_the_group_item_links_to_the_confirmation_page(client, auth, db, people, make_enforcement):
    from datetime import timedelta
    from app.models import utcnow
    case = make_enforcement(amount="100")
    enf.record_entry(case, people["judge"], kind="payment", amount="100", on_date="2026-12-01")
    conf = enf.request_receipt_confirmation(case, people["judge"], deadline=utcnow() + timedelta(days=2))
    from app.services.hearings import give_consent
    give_consent(conf.item.hearing, people["applicant"], True)  # consent to this stage online (同意在线)
    db.session.commit()
    auth.login(people["applicant"], face=True)
    page = client.get(f"/cases/{case.id}/hearings/{conf.item.hearing_id}/items/{conf.item_id}").data.decode()
    assert f'<a href="/enforcement/cases/{case.id}/confirmations/{conf.id}">' in page
    filing_page = client.get(f"/filings/{case.filing_ref}").data.decode()
    assert f"/enforcement/cases/{case.id}" in filing_page


def test_a_payment_sent_twice_is_recorded_once(client, auth, people, make_enforcement):
    case = make_enforcement(amount="1000")
    auth.login(people["judge"])
    page = client.get(f"/enforcement/cases/{case.id}").data.decode()
    key = re.search(r'id="ledger".*?name="key" value="([0-9a-f]{32})"', page, re.S).group(1)
    data = {"kind": "payment", "amount": "400", "on_date": "2026-12-01", "key": key}
    assert client.post(f"/enforcement/cases/{case.id}/ledger", data=dict(data)).status_code == 302
    assert client.post(f"/enforcement/cases/{case.id}/ledger", data=dict(data)).status_code == 302
    assert enf.totals(enf.execution_for(case))["paid"] == 400


def test_judges_view_lists_outstanding_amounts_clues_and_overdue_items(client, auth, db, people, make_enforcement):
    from datetime import timedelta
    from app.models import HearingItem, utcnow
    case = make_enforcement(amount="5000")
    enf.submit_clue(case, people["applicant"], kind="shares", description="某公司股权")
    from app.services.hearings import post_item
    ex = enf.execution_for(case)
    it = post_item(ex.hearing, people["judge"], "请于期限内报告财产", parties=[case.parties[1]],
                   deadline=utcnow() + timedelta(days=1))
    db.session.flush()
    db.session.get(HearingItem, it.id).deadline = utcnow() - timedelta(hours=1)  # it ran out
    db.session.commit()
    auth.login(people["judge"])
    page = client.get("/enforcement/").data.decode()
    assert case.number in page and "5,000.00" in page and "请于期限内报告财产" in page
    assert "某公司股权" not in page  # the list names the kind of clue only
