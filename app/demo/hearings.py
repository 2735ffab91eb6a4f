"""Demo hearing: an asynchronous evidence exchange on (2026)沪0101民初2号 with a live thread.

Called from app.demo.seed(); adds the hearing only when the case has none yet (idempotent).
"""
import io
from datetime import timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models.hearing import Hearing
from app.services import consent as consent_service
from app.services import court_time, hearings as svc

CASE_REF = "LA2026-DEMO06"
TITLE = "证据交换（异步）"


def delivery_note_photo():
    """A photo-like JPEG made here (a delivery note on a desk), so the demo needs no binary files."""
    from PIL import Image, ImageDraw
    im = Image.new("RGB", (640, 480), (120, 96, 70))
    d = ImageDraw.Draw(im)
    d.rectangle((90, 50, 550, 430), fill=(250, 250, 244), outline=(60, 60, 60), width=3)
    for y in range(110, 400, 34):
        d.line((120, y, 520, y), fill=(150, 150, 170), width=2)
    d.ellipse((420, 320, 520, 420), outline=(200, 30, 30), width=6)  # the seal
    d.text((120, 70), "DELIVERY NOTE 2019-06-18  No. 0618", fill=(20, 20, 20))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


def seed_hearings(cases, users):
    case = next((c for c in cases if c.filing_ref == CASE_REF), None)
    if case is None or case.state not in ("accepted", "hearing"):
        return None
    if db.session.scalar(select(Hearing.id).where(Hearing.case_id == case.id).limit(1)) is not None:
        return None
    judge, clerk, plaintiff, defendant = users["judge"], users["clerk"], users["王芳"], users["陈强"]
    hearing = svc.open_hearing(case, judge, purpose="evidence_exchange", mode="async", title=TITLE, clerks=[clerk])
    for party in case.parties:
        if party.user is not None:
            consent_service.record_consent(case, party, "evidence_exchange", True, party.user)
    p_party = next(p for p in case.parties if p.user_id == plaintiff.id)
    d_party = next(p for p in case.parties if p.user_id == defendant.id)
    svc.post_message(hearing, judge, "各方当事人好，本案通过微法庭以异步方式进行证据交换。请在各诉讼事项的截止时间前"
                                     "回复，可上传照片、文件或视频。", key="demo-1")
    first = svc.post_item(hearing, judge, "请原告提交购销合同及送货单的照片。", parties=[p_party],
                          deadline=svc.utcnow() + timedelta(days=2), key="demo-2")
    photo = FileStorage(stream=io.BytesIO(delivery_note_photo()), filename="送货单.jpg", content_type="image/jpeg")
    svc.answer_item(first, plaintiff, "已上传2019年6月18日的送货单，被告仓库签收。", key="demo-3", files=[photo])
    tomorrow = court_time.today() + timedelta(days=1)
    svc.post_item(hearing, judge, "请被告对原告提交的证据1发表质证意见，并说明未付清货款的原因。", parties=[d_party],
                  deadline=court_time.deadline_at(tomorrow, "24:00"), key="demo-4")
    svc.post_message(hearing, defendant, "收到，我方正在核对账目，会按时回复。", key="demo-5")
    svc.post_message(hearing, clerk, "提醒：逾期回复会被标记为逾期，如需延期请在事项页面申请。", key="demo-6")
    return hearing
