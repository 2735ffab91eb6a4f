"""The one case lifecycle (案件流程): every allowed transition works, every other is refused."""
import pytest
from sqlalchemy import select

from app.models import Case, CaseEvent
from app.models.case import STATES
from app.services import lifecycle
from app.services.errors import InvalidState, NotAllowed

CLOSE_FROM = {"decided": "judgment_effective", "mediated": "mediation_effective"}


@pytest.fixture
def people(db, make_user, make_court):
    court = make_court()
    return dict(court=court, judge=make_user("judge", court=court), clerk=make_user("clerk", court=court),
                filer=make_user("litigant"), outsider=make_user("litigant"),
                other_judge=make_user("judge", court=make_court()))


def actor_for(action, p):
    who = lifecycle.TRANSITIONS[action].who
    if "filer" in who:
        return p["filer"]
    if "court" in who:
        return p["clerk"]
    if "judge" in who:
        return p["judge"]
    return None


def reason_for(state):
    return CLOSE_FROM.get(state, "dismissed")


def test_the_table_names_only_real_states():
    for action, t in lifecycle.TRANSITIONS.items():
        assert t.target in STATES and set(t.sources) <= set(STATES), action
    for reason, sources in lifecycle.CLOSE_REASONS.items():
        assert set(sources) <= set(lifecycle.TRANSITIONS["close"].sources), reason


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(lifecycle.TRANSITIONS))
def test_every_transition_is_allowed_only_from_its_states(db, make_case, people, state, action):
    case = make_case(court=people["court"], filer=people["filer"], state=state)
    step = lifecycle.TRANSITIONS[action]
    allowed = state in step.sources and (action != "close" or state in lifecycle.CLOSE_REASONS[reason_for(state)])
    kw = {"reason": reason_for(state)} if action == "close" else {}
    if allowed:
        previous = lifecycle.transition(case, action, actor_for(action, people), **kw)
        db.session.commit()
        assert previous == state and case.state == step.target
        event = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                   .order_by(CaseEvent.seq.desc())).first()
        assert event.kind == "state_changed"
        assert event.data["action"] == action and event.data["to_state"] == step.target
        if step.target in ("closed", "suit_withdrawn", "deemed_withdrawn"):
            assert case.close_reason and case.closed_on is not None and case.closed_at is not None
    else:
        with pytest.raises(InvalidState):
            lifecycle.transition(case, action, actor_for(action, people), **kw)
        db.session.rollback()
        assert db.session.get(Case, case.id).state == state


@pytest.mark.parametrize("action", sorted(lifecycle.TRANSITIONS))
def test_outsiders_and_other_courts_may_not_move_a_case(db, make_case, people, action):
    step = lifecycle.TRANSITIONS[action]
    case = make_case(court=people["court"], filer=people["filer"], state=step.sources[0])
    for actor in (people["outsider"], people["other_judge"]):
        with pytest.raises(NotAllowed):
            lifecycle.transition(case, action, actor, reason=reason_for(case.state))
    if "system" not in step.who:
        with pytest.raises(NotAllowed):
            lifecycle.transition(case, action, None, reason=reason_for(case.state))
    db.session.rollback()
    assert db.session.get(Case, case.id).state == step.sources[0]


def test_enforcement_cases_close_as_completed_or_terminated_and_only_they(db, make_case, people):
    enforcement = make_case(court=people["court"], kind="enforcement", state="accepted")
    lifecycle.transition(enforcement, "close", people["judge"], reason="enforcement_terminated")
    db.session.commit()
    assert enforcement.state == "closed" and enforcement.close_reason == "enforcement_terminated"
    civil = make_case(court=people["court"], state="accepted")
    with pytest.raises(lifecycle.UnknownCloseReason):
        lifecycle.transition(civil, "close", people["judge"], reason="enforcement_completed")
    with pytest.raises(lifecycle.UnknownCloseReason):
        lifecycle.transition(civil, "close", people["judge"], reason=None)
    db.session.rollback()
    assert db.session.get(Case, civil.id).state == "accepted"


def test_a_stale_state_in_the_session_is_re_read_before_deciding(db, make_case, people):
    case = make_case(court=people["court"], state="accepted")
    assert case.state == "accepted"  # what this session has loaded
    with db.engine.begin() as other:  # a colleague's request commits in between
        other.execute(Case.__table__.update().where(Case.id == case.id).values(state="suit_withdrawn"))
    assert case.state == "accepted"
    with pytest.raises(lifecycle.WrongState):
        lifecycle.transition(case, "decide", people["judge"])


def test_no_service_writes_case_state_outside_the_lifecycle():
    import pathlib
    import re
    root = pathlib.Path(lifecycle.__file__).parent.parent
    offenders = [str(path) for path in root.rglob("*.py") if "demo" not in path.name and path.name != "lifecycle.py"
                 and "demo" not in path.parts and re.search(r"\bcase\.state\s*=[^=]", path.read_text())]
    assert offenders == []
