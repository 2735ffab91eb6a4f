"""Transcript, signature, mediation and service pages: access, face check, the exact-version confirmation."""
import re

from sqlalchemy import select

from app.models import MediationAgreement, Signature, SmsMessage, Transcript
from app.services import signatures, transcripts
from tests.services.documents_helpers import drawn_png, paper_photo, record_hearing


def _setup(db, make_user, make_case):
    judge = make_user("judge", name="张俊")
    plaintiff, defendant = make_user(name="王芳"), make_user(name="陈强")
    case = make_case(court=judge.court, filer=plaintiff, defendant=defendant)
    held = record_hearing(case, judge, [(plaintiff, "plaintiff"), (defendant, "defendant")],
                          messages=[(plaintiff, "plaintiff", "请求支付货款。")])
    db.session.commit()  # the draft is rendered after this commit; rendering again finds the same version
    version = transcripts.render_draft(held.id)
    db.session.commit()
    return judge, plaintiff, defendant, case, db.session.get(Transcript, version.transcript_id)


def test_party_sees_hash_and_confirm_box(client, auth, db, make_user, make_case):
    _j, plaintiff, _d, _c, t = _setup(db, make_user, make_case)
    auth.login(plaintiff)
    html = client.get(f"/transcripts/{t.id}").get_data(as_text=True)
    assert t.current_draft.content_hash in html
    assert t.current_draft.content_hash[:16] in html and 'name="agree"' in html


def test_outsider_gets_404(client, auth, db, make_user, make_case):
    _j, _p, _d, case, t = _setup(db, make_user, make_case)
    auth.login(make_user())
    assert client.get(f"/transcripts/{t.id}").status_code == 404
    assert client.get(f"/transcripts/{t.id}/versions/{t.current_draft.id}.pdf").status_code == 404
    assert client.get(f"/cases/{case.id}/documents").status_code == 404


def test_confirm_without_fresh_face_check_goes_to_the_check(client, auth, db, make_user, make_case):
    _j, plaintiff, _d, _c, t = _setup(db, make_user, make_case)
    signatures.save_signature(plaintiff, drawn_png())
    db.session.commit()
    auth.login(plaintiff, face=False)
    resp = client.post(f"/transcripts/{t.id}/confirm", data={"doc_hash": t.current_draft.content_hash, "agree": "y"})
    assert resp.status_code == 302 and "/check" in resp.location
    assert transcripts.answers_for(t, t.current_draft) == {}


def test_confirm_with_stale_hash_signs_nothing_and_says_so(client, auth, db, make_user, make_case):
    _j, plaintiff, _d, _c, t = _setup(db, make_user, make_case)
    signatures.save_signature(plaintiff, drawn_png())
    db.session.commit()
    auth.login(plaintiff, face=True)
    resp = client.post(f"/transcripts/{t.id}/confirm", data={"doc_hash": "f" * 64, "agree": "y"}, follow_redirects=True)
    assert "文件已更改" in resp.get_data(as_text=True) or "changed" in resp.get_data(as_text=True)
    assert transcripts.answers_for(db.session.get(Transcript, t.id), t.current_draft) == {}


def test_unticked_box_is_refused(client, auth, db, make_user, make_case):
    _j, plaintiff, _d, _c, t = _setup(db, make_user, make_case)
    signatures.save_signature(plaintiff, drawn_png())
    db.session.commit()
    auth.login(plaintiff, face=True)
    resp = client.post(f"/transcripts/{t.id}/confirm", data={"doc_hash": t.current_draft.content_hash})
    assert resp.status_code == 400


def test_confirm_without_signature_sends_to_capture_and_back(client, auth, db, make_user, make_case):
    _j, plaintiff, _d, _c, t = _setup(db, make_user, make_case)
    auth.login(plaintiff, face=True)
    resp = client.post(f"/transcripts/{t.id}/confirm", data={"doc_hash": t.current_draft.content_hash, "agree": "y"})
    assert resp.status_code == 302 and resp.location.startswith("/signature?next=")
    page = client.get(resp.location).get_data(as_text=True)
    assert "signature_pad-4.2.0.umd.min.js" in page and 'type="file"' in page
    import io
    resp = client.post("/signature", data={"photo": (io.BytesIO(paper_photo()), "sig.jpg"),
                                           "next": f"/transcripts/{t.id}"}, content_type="multipart/form-data")
    assert resp.status_code == 302 and resp.location == f"/transcripts/{t.id}"
    resp = client.post(f"/transcripts/{t.id}/confirm", data={"doc_hash": t.current_draft.content_hash, "agree": "y"})
    assert resp.status_code == 302
    assert plaintiff.id in transcripts.answers_for(db.session.get(Transcript, t.id), t.current_draft)


def test_drawn_signature_is_saved_and_empty_or_huge_refused(client, auth, db, make_user):
    import base64
    user = make_user()
    auth.login(user, face=True)
    empty = "data:image/png;base64," + base64.b64encode(drawn_png(ink=False)).decode()
    resp = client.post("/signature", data={"drawn": empty})
    assert resp.status_code == 400 and "未找到签名" in resp.get_data(as_text=True)
    import io
    resp = client.post("/signature", data={"photo": (io.BytesIO(b"\xff\xd8\xff" + b"0" * (9 * 1024 * 1024)), "big.jpg")},
                       content_type="multipart/form-data")
    assert resp.status_code == 413
    good = "data:image/png;base64," + base64.b64encode(drawn_png()).decode()
    assert client.post("/signature", data={"drawn": good}).status_code == 302
    sig = db.session.scalars(select(Signature).where(Signature.user_id == user.id)).one()
    assert client.get(f"/signature/{sig.id}.png").status_code == 200


def test_other_people_cannot_fetch_a_signature_image(client, auth, db, make_user):
    owner = make_user()
    sig = signatures.save_signature(owner, drawn_png())
    db.session.commit()
    auth.login(make_user(), face=True)
    assert client.get(f"/signature/{sig.id}.png").status_code == 404


def test_objection_and_judge_addendum_through_the_pages(client, auth, db, make_user, make_case):
    judge, plaintiff, _d, _c, t = _setup(db, make_user, make_case)
    auth.login(plaintiff)
    resp = client.post(f"/transcripts/{t.id}/object", data={"doc_hash": t.current_draft.content_hash,
                                                           "comment": "时间有误"})
    assert resp.status_code == 302
    auth.logout()
    auth.login(judge)
    assert "时间有误" in client.get(f"/transcripts/{t.id}").get_data(as_text=True)
    assert client.post(f"/transcripts/{t.id}/addendum", data={"text": "更正：时间为上午十点。"}).status_code == 302
    assert len(db.session.get(Transcript, t.id).versions) == 2


def test_party_cannot_add_addendum(client, auth, db, make_user, make_case):
    _j, plaintiff, _d, _c, t = _setup(db, make_user, make_case)
    auth.login(plaintiff)
    assert client.post(f"/transcripts/{t.id}/addendum", data={"text": "x"}).status_code == 404


def test_mediation_terms_confirmed_by_both_close_the_case(client, auth, db, make_user, make_case):
    judge, plaintiff, defendant, case, _t = _setup(db, make_user, make_case)
    auth.login(judge)
    p, d = case.parties
    resp = client.post(f"/cases/{case.id}/mediation/terms", data={"amount": "160000", "payer": d.id, "payee": p.id,
                                                                 "schedule": "于2026年4月13日前一次性", "other": ""})
    assert resp.status_code == 302
    agreement = db.session.scalars(select(MediationAgreement)).one()
    h = agreement.current.terms_hash
    for user in (plaintiff, defendant):
        signatures.save_signature(user, drawn_png())
        db.session.commit()
        auth.logout()
        auth.login(user, face=True)
        page = client.get(f"/mediation/{agreement.id}").get_data(as_text=True)
        assert h in page and "160,000.00" in page
        assert client.post(f"/mediation/{agreement.id}/confirm", data={"doc_hash": h, "agree": "y"}).status_code == 302
    db.session.expire_all()
    agreement = db.session.get(MediationAgreement, agreement.id)
    assert agreement.state == "signed" and agreement.case.state == "mediated" and agreement.file is not None
    assert client.get(f"/mediation/{agreement.id}/agreement.pdf").status_code == 200


def test_service_flow_through_the_pages(client, auth, db, make_user, make_case):
    judge, plaintiff, _d, case, t = _setup(db, make_user, make_case)
    auth.login(plaintiff)
    assert client.post(f"/cases/{case.id}/service/consent",
                       data={"party": case.parties[0].id, "how": "explicit"}).status_code == 302
    # Consenting while signed in with their own number confirms that number at once (the sign-in code
    # proved it): no second code is sent.
    from app.models import ServiceAddress
    own = db.session.scalars(select(ServiceAddress).where(ServiceAddress.party_id == case.parties[0].id)).one()
    assert (own.state, own.address, own.confirmed_how) == ("confirmed", plaintiff.phone, "code")
    assert db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "service_address_code")).all() == []
    # Any other number is confirmed by its owner: a code sent to it, entered while signed in.
    other = "13912345678" if plaintiff.phone != "13912345678" else "13912345679"
    resp = client.post(f"/cases/{case.id}/service/addresses", data={"party": case.parties[0].id,
                                                                    "address": other})
    assert resp.status_code == 302 and "/service/addresses/" in resp.location
    code_sms = db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "service_address_code")).one()
    assert code_sms.phone == other
    code = re.search(r"(\d{6})", code_sms.body).group(1)
    assert client.post(resp.location + "/confirm", data={"code": code}).status_code == 302
    auth.logout()
    auth.login(judge)
    resp = client.post(f"/cases/{case.id}/service/new", data={"party": case.parties[0].id, "kind": "transcript",
                                                              "title": "证据交换笔录", "file": t.current_draft.file_id})
    assert resp.status_code == 302
    sid = int(resp.location.rsplit("/", 1)[1])
    sms = db.session.scalars(select(SmsMessage).where(SmsMessage.kind == "service")).one()
    assert sms.phone == other and "/l/" not in sms.body and f"/service/{sid}" in sms.body
    auth.logout()
    auth.login(plaintiff)
    assert "我已收到" in client.get(f"/service/{sid}").get_data(as_text=True)
    assert client.post(f"/service/{sid}/ack").status_code == 302
    from app.models import ServiceOfDocument
    s = db.session.get(ServiceOfDocument, sid)
    assert s.effective_at is not None and s.certificate is not None
    assert client.get(f"/service/{sid}/certificate.pdf").status_code == 200


def test_serving_without_consent_is_refused_clearly(client, auth, db, make_user, make_case):
    judge, _p, _d, case, t = _setup(db, make_user, make_case)
    auth.login(judge)
    resp = client.post(f"/cases/{case.id}/service/new", data={"party": case.parties[0].id, "kind": "notice",
                                                              "title": "", "file": t.current_draft.file_id})
    assert resp.status_code == 400 and "电子送达" in resp.get_data(as_text=True)


def test_mediation_confirm_without_signature_or_with_stale_hash_signs_nothing(client, auth, db, make_user,
                                                                              make_case):
    from app.models import MediationConfirmation
    judge, plaintiff, _defendant, case, _t = _setup(db, make_user, make_case)
    auth.login(judge)
    p, d = case.parties
    client.post(f"/cases/{case.id}/mediation/terms", data={"amount": "5000", "payer": d.id, "payee": p.id,
                                                          "schedule": "一次性", "other": ""})
    agreement = db.session.scalars(select(MediationAgreement)).one()
    h = agreement.current.terms_hash
    auth.logout()
    auth.login(plaintiff, face=True)
    resp = client.post(f"/mediation/{agreement.id}/confirm", data={"doc_hash": h, "agree": "y"})
    assert resp.status_code == 302 and "/signature" in resp.location and "next=" in resp.location
    signatures.save_signature(plaintiff, drawn_png())
    db.session.commit()
    resp = client.post(f"/mediation/{agreement.id}/confirm", data={"doc_hash": "0" * 64, "agree": "y"})
    assert resp.status_code == 302 and resp.location.endswith(f"/mediation/{agreement.id}")
    assert db.session.scalars(select(MediationConfirmation)).all() == []
