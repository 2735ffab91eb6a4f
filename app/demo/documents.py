"""Demo data for documents: one case with a fully signed transcript, one closed by a signed mediation
agreement (the defendant paid at once, as in the Huangpu court story). Idempotent by filing reference."""
import io
from datetime import timedelta
from decimal import Decimal

from PIL import Image, ImageDraw
from sqlalchemy import select

from app.extensions import db
from app.models import Case, CaseParty, utcnow
from app.services import events, mediation, signatures, transcripts
from app.services.auth import end_session, start_session

# (filing reference, title, case number, purpose). Year 2025 numbers: the 2026 sequence stays free.
DOCUMENT_CASES = [
    ("LA2026-DEMO07", "王芳诉陈强输送带买卖合同纠纷（证据交换）", "(2025)沪0101民初318号", "evidence_exchange"),
    ("LA2026-DEMO08", "王芳诉陈强货款纠纷（调解）", "(2025)沪0101民初319号", "mediation"),
]
THREAD = [
    ("plaintiff", "原告与被告于2019年签订购销合同，原告已供货，被告尚欠货款160,000元。"),
    ("defendant", "对欠款金额无异议。受疫情影响资金紧张，希望法院组织调解。"),
    ("judge", "双方是否同意调解？被告能否在本周内一次性付清？"),
    ("defendant", "同意调解，可以在4月13日前一次性付清。"),
    ("plaintiff", "同意，收到全部款项后申请撤诉。"),
]


def _scribble(seed):
    """A made-up handwritten-looking signature for a demo person."""
    img = Image.new("RGBA", (360, 140), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    pts = [(20 + i * 30, 70 + ((i * 37 + seed * 11) % 50) - 25) for i in range(11)]
    d.line(pts, fill=(0, 0, 0, 255), width=5, joint="curve")
    d.line([(40, 110), (320, 100 - seed % 20)], fill=(0, 0, 0, 255), width=4)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _face_session(user):
    """A demo sign-in counted as face-checked (like the demo links), closed right after signing."""
    row, _raw = start_session(user, "demo_link", face_verified=True)
    return row


def _hearing_id(case, judge, purpose):
    from app import models
    hearing_model = getattr(models, "Hearing", None)
    if hearing_model is None:  # hearings not built: the events carry the id on their own
        return 900000 + case.id
    hearing = hearing_model(case_id=case.id, purpose=purpose, mode="async", state="closed",
                            title="证据交换" if purpose == "evidence_exchange" else "调解", opened_by_id=judge.id,
                            closed_at=utcnow())
    db.session.add(hearing)
    db.session.flush()
    return hearing.id


def _record_hearing(case, judge, people, purpose):
    hid = _hearing_id(case, judge, purpose)
    events.hearing_opened(case, judge, hid, purpose=purpose, mode="async",
                          title="证据交换" if purpose == "evidence_exchange" else "调解")
    events.participant_added(case, judge, hid, judge, "judge")
    for role, user in people.items():
        events.participant_added(case, judge, hid, user, role)
        events.identity_verified(case, user, hid, method="demo")
    for i, (role, text) in enumerate(THREAD, 1):
        user = judge if role == "judge" else people[role]
        events.message_posted(case, user, hid, message_id=i, role=role, text=text)
    events.hearing_closed(case, judge, hid)
    return hid


def seed_documents(court, judge, plaintiff, defendant):
    """Returns the demo cases it owns (created on the first run, found afterwards)."""
    out = []
    for user in (plaintiff, defendant):
        if signatures.current_signature(user) is None:
            signatures.save_signature(user, _scribble(user.id))
    for ref, title, number, purpose in DOCUMENT_CASES:
        case = db.session.scalar(select(Case).where(Case.filing_ref == ref))
        if case is not None:
            out.append(case)
            continue
        case = Case(filing_ref=ref, kind="commercial", state="hearing", title=title, case_number=number,
                    court_id=court.id, filed_by=plaintiff, judge=judge, amount=Decimal("160000.00"),
                    claims="请求判令被告支付货款人民币160,000元。", facts="原告已履行供货义务，被告未付清货款。",
                    submitted_at=utcnow() - timedelta(days=10), accepted_at=utcnow() - timedelta(days=8))
        case.parties = [CaseParty(role="plaintiff", name=plaintiff.name, phone=plaintiff.phone, user=plaintiff),
                        CaseParty(role="defendant", name=defendant.name, phone=defendant.phone, user=defendant)]
        db.session.add(case)
        db.session.flush()
        events.demo_seeded(case, plaintiff, "hearing")
        hid = _record_hearing(case, judge, {"plaintiff": plaintiff, "defendant": defendant}, purpose)
        draft = transcripts.render_draft(hid, notify=False)  # no demo SMS noise in the outbox
        transcript = draft.transcript
        for user in (plaintiff, defendant):
            session = _face_session(user)
            transcripts.confirm(transcript, user, session, draft.content_hash)
            end_session(session)
        transcripts.render_signed(transcript.id)  # now, not only after commit: the seed's output is complete
        if purpose == "mediation":
            p, d = case.parties
            agreement = mediation.draft_terms(case, judge, amount="160000", payer=d, payee=p,
                                              schedule="于2026年4月13日前一次性", other="原告收到全部款项后申请撤诉。",
                                              hearing_id=hid, notify=False)
            for user in (plaintiff, defendant):
                session = _face_session(user)
                mediation.confirm(agreement, user, session, agreement.current.terms_hash)
                end_session(session)
            mediation.render_signed(agreement.id)
            mediation.confirm_paid(case, plaintiff, "2026年4月13日已收到全部款项。")
        out.append(case)
    return out
