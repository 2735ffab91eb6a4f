"""The case lifecycle (案件流程): the one table of every change of `Case.state`, and the one function
that makes it.

A filing (立案申请) becomes a case (案件) on acceptance; a case ends in one of its own states:
撤诉 (`suit_withdrawn`: the plaintiff withdrew after acceptance, by a ruling 准予撤诉 — distinct from a
filing's `withdrawn`), 按撤诉处理 (`deemed_withdrawn`: e.g. the fee was not paid) or `closed` (结案) with a
reason and a date. Every service that changes a case's state calls `transition()`; nothing else
writes `Case.state` (see tests/services/test_lifecycle.py, which walks the whole table).
"""
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Case, utcnow
from app.services.errors import InvalidState, N_, NotAllowed

PENDING_REVIEW = ("submitted", "resubmitted")
OPEN_FILING = ("draft", "submitted", "needs_correction", "resubmitted")
ACTIVE = ("accepted", "hearing")  # a case being tried: applications, hearings, rulings
ENDED = ("rejected", "withdrawn", "suit_withdrawn", "deemed_withdrawn", "closed")

# Why a case is closed (结案方式). The enforcement reasons let an enforcement module close its cases
# here: 执行完毕 and 终结本次执行程序 (终本).
CLOSE_REASONS = {
    "judgment_effective": ("decided",),      # 判决生效
    "mediation_effective": ("mediated",),    # 调解书经双方签收生效
    "dismissed": ACTIVE,                     # 驳回起诉 (裁定)
    "not_accepted": ACTIVE,                  # 不予受理 found after registration (裁定)
    "enforcement_completed": ACTIVE,         # 执行完毕
    "enforcement_terminated": ACTIVE,        # 终结本次执行程序 (终本)
}
ENFORCEMENT_ONLY = ("enforcement_completed", "enforcement_terminated")


@dataclass(frozen=True)
class Transition:
    sources: tuple   # states it may start from
    target: str      # state it leads to
    who: tuple       # who may act: "filer", "court" (staff of the court), "judge", "party", "system"


TRANSITIONS = {
    # the filing (立案)
    "submit": Transition(("draft",), "submitted", ("filer",)),
    # Art. 9: one complete correction notice (一次性告知): never again after a resubmission.
    "request_correction": Transition(("submitted",), "needs_correction", ("court",)),
    "resubmit": Transition(("needs_correction",), "resubmitted", ("filer",)),
    "accept": Transition(PENDING_REVIEW, "accepted", ("court",)),
    "reject": Transition(PENDING_REVIEW, "rejected", ("court",)),
    "withdraw": Transition(OPEN_FILING, "withdrawn", ("filer",)),
    "expire": Transition(("needs_correction",), "withdrawn", ("system",)),
    # the case (审理)
    "start_hearing": Transition(("accepted",), "hearing", ("court",)),
    "mediate": Transition(ACTIVE, "mediated", ("party", "judge")),
    "decide": Transition(ACTIVE, "decided", ("judge",)),
    "withdraw_suit": Transition(ACTIVE, "suit_withdrawn", ("judge",)),
    "deem_withdrawn": Transition(ACTIVE, "deemed_withdrawn", ("judge",)),
    "close": Transition(tuple(sorted({s for v in CLOSE_REASONS.values() for s in v})), "closed",
                        ("judge", "system")),
}
# The reason recorded when a case ends in a state of its own.
END_REASONS = {"suit_withdrawn": "suit_withdrawn", "deemed_withdrawn": "deemed_withdrawn"}


class WrongState(InvalidState):
    message = N_("This case is no longer at that stage; reload the page to see what happened.")

    def __init__(self, action=None, state=None, **params):
        super().__init__(**params)
        self.action, self.state = action, state


class StaleForm(InvalidState):
    message = N_("This filing was changed in another window or device; reload and try again.")


class UnknownCloseReason(InvalidState):
    message = N_("Choose why the case is closed.")


def lock(case):
    """Lock the case row and re-read it (populate_existing): the state we decide on is the committed one."""
    from app.services.locking import lock as lock_row
    return lock_row(case)


def may_act(case, actor, who):
    """Whether `actor` is one of `who` for this case (see Transition.who)."""
    if actor is None:
        return "system" in who
    staff_here = case.court.is_staff(actor)
    if "court" in who and staff_here:
        return True
    if "judge" in who and staff_here and actor.role in ("judge", "clerk"):
        return True
    if "filer" in who and case.is_filer(actor):
        return True
    if "party" in who and not actor.is_staff and case.party_for(actor) is not None:
        return True
    return False


def allowed_actions(case):
    """Actions the table allows from the case's current state (for pages and tests)."""
    return sorted(a for a, t in TRANSITIONS.items() if case.state in t.sources)


def _revision(value):
    """The revision a form was made at; a value no form of ours sends counts as a stale form."""
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def transition(case, action, actor, *, expect_revision=None, reason=None, **data):
    """Move `case` by `action`: lock and re-read the row, check the state and who acts, change the state,
    bump the revision and record a `state_changed` event. Returns the previous state.

    `reason` is required for `close` (one of CLOSE_REASONS); extra `data` goes into the event.
    """
    from app.services.events import record_event
    step = TRANSITIONS[action]
    if not may_act(case, actor, step.who):
        raise NotAllowed()
    lock(case)
    if case.state not in step.sources:
        raise WrongState(action=action, state=case.state)
    if action == "close":
        if reason not in CLOSE_REASONS or (reason in ENFORCEMENT_ONLY) != (case.kind == "enforcement"):
            raise UnknownCloseReason()
        if case.state not in CLOSE_REASONS[reason]:
            raise WrongState(action=action, state=case.state)
    if expect_revision is not None and _revision(expect_revision) != case.revision:
        raise StaleForm()
    previous = case.state
    case.state = step.target
    case.revision = (case.revision or 0) + 1
    if step.target in ("closed", *END_REASONS):
        from app.services.court_time import today as local_today
        now = utcnow()
        case.closed_at = now
        case.closed_on = local_today(now)
        case.close_reason = reason if step.target == "closed" else END_REASONS[step.target]
    db.session.flush()
    record_event(case, actor, "state_changed", action=action, from_state=previous, to_state=case.state,
                 **({"reason": case.close_reason} if case.close_reason and step.target in ("closed", *END_REASONS)
                    else {}), **data)
    return previous


class ProcedureNotAllowed(InvalidState):
    message = N_("Small claims are for civil cases only, and an enforcement case has no trial procedure.")


def set_procedure(case, actor, procedure):
    """The case's procedure (普通程序 / 简易程序 / 小额诉讼程序), set by the court. Small claims are civil only
    (administrative cases have the simplified procedure but no small claims); enforcement has none."""
    from app.models.case import PROCEDURES
    from app.services.events import record_event
    if not may_act(case, actor, ("court",)):
        raise NotAllowed()
    if procedure not in PROCEDURES:
        raise ProcedureNotAllowed()
    if (procedure == "small_claims" and case.kind not in ("civil", "commercial")) or \
            (case.kind == "enforcement" and procedure != "ordinary"):
        raise ProcedureNotAllowed()
    lock(case)
    if case.state not in ACTIVE:
        raise WrongState(action="set_procedure", state=case.state)
    if case.procedure != procedure:
        previous, case.procedure = case.procedure, procedure
        case.revision = (case.revision or 0) + 1
        db.session.flush()
        record_event(case, actor, "procedure_set", procedure=procedure, previous=previous)
        from app.services.fees import reassess
        reassess(case, actor)  # 简易程序 and small claims halve the acceptance fee
    return case
