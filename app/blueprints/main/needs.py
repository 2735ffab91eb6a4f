"""What needs me (待我处理): the list at the top of a litigant's or lawyer's home page. Each entry
is one thing the person must do, with its deadline if it has one, and the URL of the exact step.
Read-only queries: nothing here writes."""
from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Case, CaseParty, Consent, MediationAgreement, ServiceOfDocument, Transcript
from app.models.filing import CorrectionRequest
from app.models.hearing import Hearing, HearingItem, ItemAddressee

OPEN_CASE_STATES = ("needs_correction", "accepted", "hearing", "mediated")


@dataclass
class Need:
    kind: str        # item | correction | join | sign | service
    title: str       # what to do, in the person's language
    case: Case
    url: str
    due: datetime | None = None

    @property
    def late(self):
        from app.models import utcnow
        return self.due is not None and self.due < utcnow()


def _my_party_ids(user):
    return select(CaseParty.id).where(or_(CaseParty.user_id == user.id, CaseParty.lawyer_id == user.id))


def _my_case_ids(user):
    mine = select(CaseParty.case_id).where(or_(CaseParty.user_id == user.id, CaseParty.lawyer_id == user.id))
    return select(Case.id).where(or_(Case.filed_by_id == user.id, Case.id.in_(mine)),
                                 Case.state.in_(OPEN_CASE_STATES))


def items_due(user):
    from app.services.item_numbers import item_no
    rows = db.session.execute(
        select(HearingItem, Hearing).join(ItemAddressee, ItemAddressee.item_id == HearingItem.id)
        .join(Hearing, Hearing.id == HearingItem.hearing_id)
        .where(ItemAddressee.party_id.in_(_my_party_ids(user)), ItemAddressee.answered_at.is_(None),
               HearingItem.state == "open", Hearing.state == "open")
        .order_by(HearingItem.deadline)).all()
    seen, out = set(), []
    for item, hearing in rows:
        if item.id in seen:
            continue
        seen.add(item.id)
        out.append(Need("item", _("Answer item %(n)s: %(text)s", n=item_no(hearing.id, item.id),
                                  text=_short(item.text)),
                        hearing.case, url_for("hearings.item", case_id=hearing.case_id, hid=hearing.id,
                                              item_id=item.id), item.deadline))
    return out


def corrections(user):
    rows = db.session.execute(
        select(CorrectionRequest, Case).join(Case, Case.id == CorrectionRequest.case_id)
        .where(Case.filed_by_id == user.id, Case.state == "needs_correction", CorrectionRequest.state == "open")
        .order_by(CorrectionRequest.deadline)).all()
    return [Need("correction", _("Make the corrections the court asked for (%(n)s items)", n=len(req.items)),
                 case, url_for("filing.show", ref=case.filing_ref, _anchor="correction"), req.deadline)
            for req, case in rows]


def to_join(user):
    """Cases where this person is named as defendant but has not yet answered the joining questions."""
    from app.services.filing import joinable_party
    if not user.phone:
        return []
    cases = db.session.scalars(
        select(Case).join(CaseParty, CaseParty.case_id == Case.id)
        .where(Case.state.in_(("accepted", "hearing", "mediated")),
               or_(CaseParty.user_id == user.id, CaseParty.phone.like("%" + user.phone[-11:]))).distinct()
        .options(selectinload(Case.parties))).all()
    parties = {case.id: joinable_party(case, user) for case in cases}
    # One query for every candidate's standing answer (consent.current(), for all of them at once).
    answered = set(db.session.execute(
        select(Consent.case_id, Consent.party_id).where(
            Consent.party_id.in_([p.id for p in parties.values() if p is not None]),
            Consent.scope == "online_litigation", Consent.withdrawn_at.is_(None))).tuples()) if any(parties.values()) else set()
    return [Need("join", _("Join this case online"), case, url_for("filing.join", ref=case.filing_ref))
            for case in cases if parties[case.id] is not None and (case.id, parties[case.id].id) not in answered]


def still_to_join(case, user):
    """The party this person may still join as on `case` (not yet answered), else None."""
    from app.services.consent import current
    from app.services.filing import joinable_party
    party = joinable_party(case, user)
    if party is None or current(case, party, "online_litigation") is not None:
        return None
    return party


def to_sign(user):
    from app.services import mediation, transcripts
    case_ids = _my_case_ids(user)
    out = []
    for t in db.session.scalars(select(Transcript).where(Transcript.case_id.in_(case_ids),
                                                         Transcript.state.in_(("draft", "objected")))):
        draft = t.current_draft
        if draft is None or user.id not in transcripts.signer_ids(t):
            continue
        if user.id not in transcripts.answers_for(t, draft):
            out.append(Need("sign", _("Read and sign the transcript: %(title)s", title=t.title), t.case,
                            url_for("transcripts.show", transcript_id=t.id)))
    for a in db.session.scalars(select(MediationAgreement).where(MediationAgreement.case_id.in_(case_ids),
                                                                MediationAgreement.state == "draft")):
        party, version = mediation.party_of(a, user), a.current
        if party is None or version is None:
            continue
        if party.id not in mediation.signed_parties(a, version):
            out.append(Need("sign", _("Read and sign the mediation agreement"), a.case,
                            url_for("mediation.show", agreement_id=a.id)))
    return out


def e_service_unanswered(user):
    """Accepted cases where this person's own party was never asked about electronic service (电子送达):
    the filer especially, whom nothing else asks."""
    cases = db.session.scalars(select(Case).where(Case.id.in_(_my_case_ids(user)),
                                                  Case.state.in_(("accepted", "hearing", "mediated")))
                               .options(selectinload(Case.parties))).all()
    mine = {case.id: case.party_for(user) for case in cases}
    mine = {cid: p for cid, p in mine.items() if p is not None and p.user_id == user.id}
    # The standing answers (consent.current()) of all those parties, in one query.
    standing = set(db.session.execute(
        select(Consent.case_id, Consent.party_id, Consent.scope).where(
            Consent.party_id.in_([p.id for p in mine.values()]), Consent.withdrawn_at.is_(None),
            Consent.scope.in_(("e_service", "online_litigation")))).tuples()) if mine else set()
    out = []
    for case in cases:
        party = mine.get(case.id)
        if party is None or (case.id, party.id, "e_service") in standing:
            continue
        if case.filed_by_id == user.id or (case.id, party.id, "online_litigation") in standing:
            out.append(Need("consent", _("Choose how court documents reach you (electronic service)"), case,
                            url_for("service.consent", case_id=case.id)))
    return out


def services_to_acknowledge(user):
    out = []
    for s in db.session.scalars(select(ServiceOfDocument).where(ServiceOfDocument.recipient_id == user.id)
                                .options(selectinload(ServiceOfDocument.attempts), selectinload(ServiceOfDocument.case))
                                .order_by(ServiceOfDocument.id)):
        if not any(a.acknowledged_at for a in s.attempts):
            out.append(Need("service", _("A document was served on you: %(title)s", title=s.title), s.case,
                            url_for("service.show", service_id=s.id)))
    return out


def needs_for(user):
    """Everything waiting for this person, soonest deadline first (undated ones after)."""
    if not getattr(user, "is_authenticated", False) or user.is_staff:
        return []
    needs = (items_due(user) + corrections(user) + to_join(user) + to_sign(user) + e_service_unanswered(user)
             + services_to_acknowledge(user))
    return sorted(needs, key=lambda n: (n.due is None, n.due or datetime.max))


def _short(text, n=40):
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[:n - 1] + "…"
