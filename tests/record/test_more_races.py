"""More serialised decisions with real threads: both parties signing at once, two judges deciding one
extension request, a redraft racing a signature."""
import pytest
from sqlalchemy import func, select

from app.models import CaseEvent, MediationAgreement, User
from app.models.hearing import ExtensionRequest
from app.services import hearings, mediation
from app.services.locking import AlreadyDecided
from tests.record.race import race
from tests.services.documents_helpers import face_session
from tests.services.test_hearings import build_room
from tests.services.test_mediation import _draft, m  # noqa: F401 - fixture


@pytest.fixture(autouse=True)
def _postgres(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL")


def test_both_parties_signing_at_once_closes_the_case_once(app, db, m):
    agreement = _draft(db, m)
    aid, terms_hash = agreement.id, agreement.current.terms_hash
    users = [m["plaintiff"].id, m["defendant"].id]

    def sign(i, barrier):
        who = db.session.get(User, users[i])
        session = face_session(who)
        a = db.session.get(MediationAgreement, aid)
        assert a.state == "draft" and len(a.confirmations) == 0
        barrier.wait()
        return mediation.confirm(a, who, session, terms_hash).id

    results = race(app, 2, sign)
    assert all(isinstance(r, int) for r in results), results
    db.session.expire_all()
    a = db.session.get(MediationAgreement, aid)
    assert a.state == "signed" and a.case.state == "mediated"  # neither signer saw itself as not the last
    assert db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.kind == "case_mediated")) == 1


def test_two_judges_deciding_one_extension_request(app, db, make_user, make_case, make_court):
    from datetime import timedelta
    from app.models import utcnow
    r = build_room(db, make_user, make_case, make_court)
    item = hearings.post_item(r.hearing, r.judge, "请提交单据", parties=[r.d_party], deadline=utcnow() + timedelta(days=1))
    req = hearings.request_extension(item, r.defendant, "需要时间")
    db.session.commit()
    second_judge = make_user("judge", court=r.court, name="赵法官")
    from app.models.hearing import HearingParticipant
    db.session.add(HearingParticipant(hearing_id=r.hearing.id, user_id=second_judge.id, role="judge",
                                      name=second_judge.name))
    db.session.commit()
    req_id, judges = req.id, [r.judge.id, second_judge.id]
    new_deadline = utcnow() + timedelta(days=5)

    def decide(i, barrier):
        who, rq = db.session.get(User, judges[i]), db.session.get(ExtensionRequest, req_id)
        assert rq.state == "pending"
        barrier.wait()
        return hearings.decide_extension(rq, who, grant=(i == 0), new_deadline=new_deadline).state

    results = race(app, 2, decide)
    lost = [x for x in results if isinstance(x, AlreadyDecided)]
    assert len(lost) == 1 and sum(isinstance(x, str) for x in results) == 1, results
    assert lost[0].params["name"] in ("张俊", "赵法官") and lost[0].params["when"] != "—"
    db.session.expire_all()
    kinds = db.session.scalars(select(CaseEvent.kind).where(CaseEvent.kind.in_(
        ("deadline_extended", "extension_refused")))).all()
    assert len(kinds) == 1
