"""Decisions on one filing are serialised (lock, re-read, decide): real threads on PostgreSQL."""
import pytest
from sqlalchemy import func, select

from app.models import Case, CaseEvent, SmsMessage, User
from app.services import filing
from app.services.errors import DomainError
from tests.record.race import race
from tests.services.test_filing import case_in, complete_draft

pytestmark = pytest.mark.usefixtures("world")


def _postgres(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL")


def _events(db, case_id, kind):
    return db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case_id, CaseEvent.kind == kind))


def test_eight_parallel_accepts_make_one_case_number(app, db, world):
    _postgres(db)
    court, clerk, filer = world
    case = case_in(db, "submitted", court, clerk, filer)
    case_id, clerk_id = case.id, clerk.id
    sms_before = db.session.scalar(select(func.count()).select_from(SmsMessage))

    def accept(i, barrier):
        c, who = db.session.get(Case, case_id), db.session.get(User, clerk_id)
        assert c.state == "submitted"  # every thread read the filing before anyone decided
        barrier.wait()
        return filing.accept(c, who)

    results = race(app, 8, accept)
    won = [r for r in results if isinstance(r, str)]
    lost = [r for r in results if isinstance(r, filing.AlreadyDecided)]
    assert len(won) == 1 and len(lost) == 7, results
    db.session.expire_all()
    assert _events(db, case_id, "filing_accepted") == 1
    invites = db.session.scalar(select(func.count()).select_from(SmsMessage).where(
        SmsMessage.kind == "case_join_invite"))
    assert invites == 1
    kinds = db.session.scalars(select(SmsMessage.kind)).all()[sms_before:]
    assert sorted(kinds) == ["case_join_invite", "filing_accepted"]  # the invitation, the notice's SMS
    # the loser's message names who decided and when
    assert lost[0].params["name"] == clerk.name and lost[0].params["when"]
    # case numbers stay contiguous: the next accepted case gets the next number
    nxt = case_in(db, "accepted", court, clerk, filer)
    first = db.session.get(Case, case_id).case_number
    n = lambda number: int(number.rsplit("初", 1)[1].rstrip("号"))  # noqa: E731
    assert n(nxt.case_number) == n(first) + 1


def test_accept_against_correction_request(app, db, world, make_user):
    _postgres(db)
    court, clerk, filer = world
    other = make_user("clerk", court=court, name="李书记员")
    case = case_in(db, "submitted", court, clerk, filer)
    att_id = filing.current_attachments(case)[0].id
    case_id, ids = case.id, (clerk.id, other.id)

    def act(i, barrier):
        c, who = db.session.get(Case, case_id), db.session.get(User, ids[i])
        barrier.wait()
        if i == 0:
            return filing.accept(c, who)
        return filing.request_correction(c, who, [{"kind": "replace_file", "target": f"attachment:{att_id}",
                                                   "note": "起诉状未签名"}], days=3)

    results = race(app, 2, act)
    assert sum(isinstance(r, filing.AlreadyDecided) for r in results) == 1, results
    db.session.expire_all()
    c = db.session.get(Case, case_id)
    if c.state == "accepted":
        assert c.case_number and filing.open_correction(c) is None
    else:
        assert c.state == "needs_correction" and c.case_number is None
        assert _events(db, case_id, "filing_accepted") == 0
        assert db.session.scalar(select(func.count()).select_from(SmsMessage).where(
            SmsMessage.kind == "case_join_invite")) == 0


def test_double_submit_makes_one_version(app, db, world):
    _postgres(db)
    court, clerk, filer = world
    case = complete_draft(db, court, filer)
    case_id, filer_id = case.id, filer.id

    def submit(i, barrier):
        c, who = db.session.get(Case, case_id), db.session.get(User, filer_id)
        barrier.wait()
        return filing.submit(c, who).number

    results = race(app, 5, submit)
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert all(isinstance(r, (int, DomainError)) for r in results), results
    db.session.expire_all()
    assert _events(db, case_id, "filing_submitted") == 1
    assert len(filing.versions(db.session.get(Case, case_id))) == 1
