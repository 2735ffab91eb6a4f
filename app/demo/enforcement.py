"""Demo data for enforcement (执行): one case in progress (Songjiang's mobile enforcement: the notice of
enforcement and the order to report property served, a clue frozen, part paid) and one completed (Huangpu: the applicant confirmed receipt of 23,084 yuan).
Made through the real services; idempotent by filing reference."""
import io
from datetime import date, timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models import Case, CaseParty, utcnow
from app.services import enforcement as enf, signatures
from app.services.auth import end_session
from app.services.events import record_event

# (filing reference, title, case number, instrument kind, instrument number, amount)
ENFORCEMENT_CASES = [
    ("LA2026-DEMO09", "王芳申请执行陈强工伤保险待遇纠纷（仲裁裁决）", "(2025)沪0101执101号", "arbitral_award",
     "沪劳人仲(2025)办字第118号", "300000"),
    ("LA2026-DEMO10", "王芳申请执行陈强抚养费纠纷", "(2025)沪0101执102号", "judgment", "(2024)沪0101民初2208号",
     "23084"),
]


def _pdf(name, text):
    from app.demo.filing import tiny_pdf
    return FileStorage(io.BytesIO(tiny_pdf(text)), filename=name)


def _complete_application(case):
    """DEMO03 (a filing awaiting correction) names its instrument too, so it can be resubmitted."""
    if case is None or case.kind != "enforcement" or enf.execution_for(case) is not None:
        return
    enf.set_application(case, case.filed_by, instrument_kind="judgment", effective_on=date(2025, 11, 3),
                        instrument_number="(2025)沪0101民初77号", amount=str(case.amount or "160000"),
                        instrument_upload=_pdf("判决书.pdf", "Judgment"), proof_upload=_pdf("生效证明.pdf", "Effective"))


def seed_enforcement(court, judge, applicant, respondent, lawyer=None, demo03=None):
    from app.demo.documents import _face_session, _scribble
    _complete_application(demo03)
    out = []
    for ref, title, number, kind, inst_no, amount in ENFORCEMENT_CASES:
        case = db.session.scalar(select(Case).where(Case.filing_ref == ref))
        if case is not None:
            out.append(case)
            continue
        case = Case(filing_ref=ref, kind="enforcement", state="draft", title=title, court_id=court.id,
                    filed_by=applicant, judge=judge, claims=f"请求强制执行{inst_no}确定的给付义务。",
                    facts="执行依据已生效，被执行人未按期履行。", submitted_at=utcnow() - timedelta(days=30))
        case.parties = [
            CaseParty(role="applicant", name=applicant.name, phone=applicant.phone, id_number=applicant.id_number,
                      user=applicant),
            CaseParty(role="respondent", name=respondent.name, phone=respondent.phone, id_number=respondent.id_number,
                      user=respondent)]
        db.session.add(case)
        db.session.flush()
        record_event(case, applicant, "demo_seeded", state="draft")
        enf.set_application(case, applicant, instrument_kind=kind, effective_on=date(2025, 10, 9),
                            instrument_number=inst_no, amount=amount,
                            instrument_upload=_pdf("执行依据.pdf", "Enforceable instrument"),
                            proof_upload=_pdf("生效证明.pdf", "Proof of effect"))
        # Accepted with a fixed 2025 number (the 2026 sequence stays free) and without demo SMS noise.
        case.state, case.case_number = "accepted", number
        case.accepted_at = case.decided_at = utcnow() - timedelta(days=28)
        case.decided_by_id = judge.id
        record_event(case, judge, "filing_accepted", case_number=number)
        enf.on_accepted(case, judge)
        case.state = "hearing"
        if ref == "LA2026-DEMO09":
            from app.services import e_service
            e_service.record_consent(case, case.parties[1], respondent, "explicit")
            enf.serve_opening_documents(case, judge, report_by=enf.report_deadline(5))
            clue = enf.submit_clue(case, applicant, kind="bank_account", description="被执行人在工商银行松江支行的工资账户。")
            enf.record_clue_action(clue, judge, action="frozen", done_on=date(2026, 11, 20), until=date(2027, 11, 19),
                                   note="网络查控冻结存款 120,000 元。")
            enf.submit_clue(case, applicant, kind="vehicle", description="被执行人名下小型汽车一辆，沪B·12345。")
            enf.record_entry(case, judge, kind="payment", amount="120000", on_date=date(2026, 11, 25),
                             note="扣划冻结存款。")
        else:
            enf.record_entry(case, judge, kind="payment", amount="23084", on_date=date(2026, 4, 1),
                             note="扣划被执行人工资账户。")
            enf.record_entry(case, judge, kind="payout", amount="23084", on_date=date(2026, 4, 12),
                             note="执行款发放至申请执行人银行账户。")
            conf = enf.request_receipt_confirmation(case, judge, deadline=utcnow() + timedelta(days=3))
            if signatures.current_signature(applicant) is None:
                signatures.save_signature(applicant, _scribble(applicant.id))
            session = _face_session(applicant)
            enf.confirm_receipt(conf, applicant, session, conf.content_hash)
            end_session(session)
        out.append(case)
    return out
