"""Demo data (`flask demo seed|links`): one court, its staff, parties, a lawyer, an outsider and
cases in every state. The package holds everything made only for the demo and the bench:
`filing` (filings in every state), `hearings` (a hearing room with an item and evidence),
`documents` (transcripts, mediation, service), `faces` (reference photos), `busy_court` and
`scale` (the `--scale` data for `make bench`).

Idempotent: users are found by username or phone, cases by their fixed filing reference.
"""
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import Case, CaseParty, Court, User, utcnow
from app.services import events

COURT = dict(name="上海市黄浦区人民法院", code="沪0101")
STAFF = [
    dict(role="judge", name="张俊", username="judge", password="judge-demo-2026"),
    dict(role="clerk", name="李敏", username="clerk", password="clerk-demo-2026"),
]
PEOPLE = [
    dict(role="litigant", name="王芳", phone="13800000001", id_number="310101199003071230", face="obama"),
    dict(role="litigant", name="陈强", phone="13800000002", id_number="330102198511204322", face="biden"),
    dict(role="lawyer", name="刘洋", phone="13800000003", face="harington"),
    dict(role="litigant", name="outsider赵六", phone="13800000009", face="leslie"),
]
# (filing reference, kind, state, title, case number)
CASES = [
    ("LA2026-DEMO01", "civil", "draft", "王芳诉陈强买卖合同纠纷", None),
    ("LA2026-DEMO02", "commercial", "submitted", "王芳诉陈强货款纠纷", None),
    ("LA2026-DEMO03", "enforcement", "needs_correction", "王芳申请执行陈强借款合同纠纷", None),
    ("LA2026-DEMO04", "civil", "accepted", "王芳诉陈强民间借贷纠纷", "(2026)沪0101民初1号"),
    ("LA2026-DEMO05", "civil", "rejected", "王芳诉陈强名誉权纠纷", None),
    ("LA2026-DEMO06", "commercial", "hearing", "王芳诉陈强输送带买卖合同纠纷", "(2026)沪0101民初2号"),
]


def _get_or_create(model, where, **values):
    obj = db.session.scalar(select(model).filter_by(**where))
    if obj is None:
        obj = model(**where, **values)
        db.session.add(obj)
        db.session.flush()
    return obj


def demo_users():
    usernames = [s["username"] for s in STAFF]
    phones = [p["phone"] for p in PEOPLE]
    staff = db.session.scalars(select(User).where(User.username.in_(usernames)).order_by(User.id)).all()
    people = db.session.scalars(select(User).where(User.phone.in_(phones)).order_by(User.id)).all()
    return staff + people


def seed(faces_dir=None):
    court = _get_or_create(Court, dict(code=COURT["code"]), name=COURT["name"])
    users = {}
    for s in STAFF:
        u = _get_or_create(User, dict(username=s["username"]), role=s["role"], name=s["name"],
                           court_id=court.id, is_demo=True)
        if not u.password_hash:
            u.set_password(s["password"])
        users[s["username"]] = u
    for p in PEOPLE:
        users[p["name"]] = _get_or_create(User, dict(phone=p["phone"]), role=p["role"], name=p["name"],
                                          id_number=p.get("id_number"), is_demo=True)
    judge, plaintiff, defendant, lawyer = users["judge"], users["王芳"], users["陈强"], users["刘洋"]
    cases = []
    for ref, kind, state, title, number in CASES:
        case = db.session.scalar(select(Case).where(Case.filing_ref == ref))
        if case is None:
            case = Case(filing_ref=ref, kind=kind, state=state, title=title, case_number=number,
                        court_id=court.id, filed_by=lawyer if kind == "enforcement" else plaintiff,
                        claims="请求判令被告支付货款人民币160,000元及逾期付款利息。",
                        facts="原告与被告于2019年签订购销合同，原告已履行供货义务，被告未付清款项。",
                        amount=Decimal("160000.00"), judge=judge if number else None)
            if state != "draft":
                case.submitted_at = utcnow() - timedelta(days=3)
            if number:
                case.accepted_at = utcnow() - timedelta(days=1)
            roles = ("applicant", "respondent") if kind == "enforcement" else ("plaintiff", "defendant")
            case.parties = [
                CaseParty(role=roles[0], name=plaintiff.name, phone=plaintiff.phone, id_number=plaintiff.id_number,
                          user=plaintiff, lawyer=lawyer if kind == "enforcement" else None),
                CaseParty(role=roles[1], name=defendant.name, phone=defendant.phone, id_number=defendant.id_number,
                          user=defendant if number else None),
            ]
            db.session.add(case)
            db.session.flush()
            events.demo_seeded(case, case.filed_by, state)
        cases.append(case)
    if faces_dir:
        from app.demo.faces import enroll_demo_faces
        enroll_demo_faces(faces_dir, {p["phone"]: p["face"] for p in PEOPLE})
    from app.demo.filing import seed_filings
    seed_filings(cases, users["clerk"])
    from app.demo.hearings import seed_hearings
    seed_hearings(cases, users)
    from app.demo.documents import seed_documents
    cases += seed_documents(court, judge, plaintiff, defendant)
    from app.demo.enforcement import seed_enforcement
    cases += seed_enforcement(court, judge, plaintiff, defendant, lawyer,
                              demo03=next((c for c in cases if c.filing_ref == "LA2026-DEMO03"), None))
    return cases
