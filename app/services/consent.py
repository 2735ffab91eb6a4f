"""Recording consent per party, per stage; the latest answer counts, withdrawals are kept."""
from sqlalchemy import select

from app.extensions import db
from app.models import utcnow
from app.models.consent import SCOPES, Consent
from app.services import events
from app.services.errors import InvalidState, N_


class ConsentWithdrawn(InvalidState):
    message = N_("Consent was withdrawn; the judge will move this stage offline or to a live session.")


def current(case, party, scope):
    """The party's standing answer for a scope, or None when never asked."""
    return db.session.scalar(select(Consent).where(
        Consent.case_id == case.id, Consent.party_id == party.id, Consent.scope == scope,
        Consent.withdrawn_at.is_(None)).order_by(Consent.id.desc()).limit(1))


def has_consent(case, party, scope):
    row = current(case, party, scope)
    return bool(row and row.given)


def record_consent(case, party, scope, given, actor, how="explicit", address=None):
    if scope not in SCOPES:
        raise ValueError(scope)
    previous = current(case, party, scope)
    if previous is not None:
        previous.withdrawn_at = utcnow()  # superseded, kept for the record
    row = Consent(case_id=case.id, party_id=party.id, scope=scope, given=bool(given), how=how,
                  address=address, actor_id=actor.id if actor else None)
    db.session.add(row)
    db.session.flush()
    events.consent_recorded(case, actor, party, scope=scope, given=given, how=how)
    return row


def withdraw_consent(case, party, scope, actor):
    row = current(case, party, scope)
    if row is None or not row.given:
        return None
    row.withdrawn_at = utcnow()
    db.session.flush()
    events.consent_withdrawn(case, actor, party, scope)
    return row


def consents_for(case):
    """{(party_id, scope): Consent} of the standing answers in a case."""
    rows = db.session.scalars(select(Consent).where(Consent.case_id == case.id, Consent.withdrawn_at.is_(None)))
    return {(r.party_id, r.scope): r for r in rows}
